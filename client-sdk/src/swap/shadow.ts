/**
 * @module
 * Shadow traffic: a decorator over an agent handle that sends a copy of a
 * share of successful invokes to another endpoint, off the caller's path
 * (never awaited, never retried, errors only counted), and compares its
 * output and latency with the primary's. A copy that would have to wait for
 * a connection is dropped (`skipped`), so a slow shadow never queues
 * mirrored calls without bound.
 */
import type { InvokeResult } from '../contract/index.js';
import type { ClientEventBus } from '../events.js';
import type { Random } from '../internal/random.js';
import type { Logger } from '../logger.js';
import type { CallOptions, ResolvedSidecar } from '../options.js';
import { Endpoint } from '../transport/endpoint.js';
import { LatencyReservoir } from '../transport/latency-reservoir.js';

export interface ShadowReport {
  url: string;
  calls: number;
  matches: number;
  mismatches: number;
  errors: number;
  skipped: number;
  /** Shadow latency minus primary latency, in ms. */
  latencyDeltaMs: { p50: number | undefined; p99: number | undefined };
}

export class ShadowTraffic {
  private readonly counts = { calls: 0, matches: 0, mismatches: 0, errors: 0, skipped: 0 };
  private readonly latencyDeltaMs = new LatencyReservoir(512);
  private endpoint: Endpoint | undefined;

  constructor(
    private readonly config: Readonly<ResolvedSidecar> & { shadow: { url: string; percent: number } },
    private readonly events: ClientEventBus,
    private readonly logger: Logger | undefined,
    private readonly random: Random = Math.random,
  ) {}

  get url(): string {
    return this.config.shadow.url;
  }

  /** Mirrors one successful invoke (its request body, its output, how long it took), if sampled. */
  mirror(body: string, primaryOutput: unknown, primaryMs: number): void {
    if (this.random() * 100 >= this.config.shadow.percent) return;
    // The shadow's own pool: at most `connections` copies in flight, none queued.
    this.endpoint ??= new Endpoint(this.url, 1, { ...this.config, maxInFlight: this.config.connections }, this.events, this.logger);
    const release = this.endpoint.bulkhead.tryEnter();
    if (!release) {
      this.counts.skipped += 1;
      return;
    }
    const started = performance.now();
    this.counts.calls += 1;
    const { timeoutMs } = this.config;
    const { authorization } = this.endpoint;
    void this.endpoint.pool
      .request({ path: '/v1/invoke', method: 'POST', headers: { 'content-type': 'application/json', ...(authorization && { authorization }) }, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
      .then(async (response) => {
        const text = await response.body.text();
        const shadowMs = performance.now() - started;
        const match = response.statusCode === 200 && sameOutput(primaryOutput, text);
        if (match) this.counts.matches += 1;
        else this.counts.mismatches += 1;
        this.latencyDeltaMs.record(shadowMs - primaryMs);
        this.events.emit('shadow', { sidecar: this.config.name, endpoint: this.url, match, primaryMs, shadowMs });
      })
      .catch((error: unknown) => {
        this.counts.errors += 1;
        this.events.emit('shadow', { sidecar: this.config.name, endpoint: this.url, match: false, primaryMs, shadowMs: performance.now() - started, error: String(error) });
      })
      .finally(release);
  }

  report(): ShadowReport {
    return { url: this.url, ...this.counts, latencyDeltaMs: { p50: this.latencyDeltaMs.quantile(0.5), p99: this.latencyDeltaMs.quantile(0.99) } };
  }

  /** Aborts the copies in flight: they are off every caller's path, and a hung shadow must not hold up `client.close()`. */
  close(): Promise<void> {
    return this.endpoint?.destroy() ?? Promise.resolve();
  }
}

/** What the decorator needs of an agent handle. */
export interface Invoking {
  invoke(input: never, options?: CallOptions): Promise<InvokeResult<unknown>>;
}

/**
 * The same handle, with every successful `invoke` (and so `call`) mirrored
 * to the shadow. Built by prototype delegation: every other method, and
 * `instanceof`, are the handle's own.
 */
export function withShadow<THandle extends Invoking>(handle: THandle, shadow: Pick<ShadowTraffic, 'mirror'>, requestBody: (input: unknown, options: CallOptions) => string): THandle {
  const shadowed = Object.create(handle) as THandle;
  const invoke = async (input: never, options: CallOptions = {}): Promise<InvokeResult<unknown>> => {
    const started = performance.now();
    const result = await handle.invoke(input, options);
    shadow.mirror(requestBody(input, options), result.output, performance.now() - started);
    return result;
  };
  Object.defineProperty(shadowed, 'invoke', { value: invoke, writable: true, configurable: true });
  return shadowed;
}

function sameOutput(primaryOutput: unknown, shadowText: string): boolean {
  try {
    return JSON.stringify(primaryOutput) === JSON.stringify((JSON.parse(shadowText) as { output: unknown }).output);
  } catch {
    return false;
  }
}
