/**
 * @module
 * `createClient`: one client, many sidecars. Each sidecar gets its own
 * channel (pool, breaker, bulkhead, retry budget), so one that is dead or
 * hung never slows calls to another.
 */
import type { InvokeResult, AgentDescriptor } from './contract/index.js';
import { AgentHandle, invokeBody, type AgentHandleOptions } from './agent-handle.js';
import type { AgentInput, AgentOutput } from './agent-types.js';
import { SquireConfigError } from './errors.js';
import { ClientEventBus, type ClientEventName, type ClientEvents } from './events.js';
import { fanOut, pipeline, type FanOutBranch, type FanOutOptions, type FanOutResult, type PipelineResult, type PipelineStep } from './fan-out.js';
import { resolveOptions, type CallOptions, type ClientOptions, type ResolvedClientOptions } from './options.js';
import { SidecarChannel, type SidecarStats } from './transport/sidecar-channel.js';
import { cutover, type CutoverOptions } from './swap/cutover.js';
import { startRollout, type Rollout, type RolloutOptions } from './swap/rollout.js';
import { ShadowTraffic, withShadow } from './swap/shadow.js';
import { discoverByDns, watchEndpointsFile, type DnsDiscoveryOptions } from './swap/discovery.js';
import type { EndpointSpec } from './options.js';

export class SquireClient {
  private readonly channels = new Map<string, SidecarChannel>();
  /** Sidecars with `shadow` configured: their handles are decorated with it. */
  private readonly shadows = new Map<string, ShadowTraffic>();
  private readonly events = new ClientEventBus();
  private closed = false;
  readonly options: ResolvedClientOptions;

  constructor(options: ClientOptions) {
    this.options = resolveOptions(options);
    for (const [name, sidecar] of this.options.sidecars) {
      const channel = new SidecarChannel(sidecar, this.events, this.options.logger);
      this.channels.set(name, channel);
      if (sidecar.shadow) this.shadows.set(name, new ShadowTraffic({ ...sidecar, shadow: sidecar.shadow }, this.events, this.options.logger));
    }
  }

  /**
   * A typed handle on the agent named `name` in `sidecars`.
   * @example
   * const echo = client.agent<typeof import('./agents/echo.js').default>('echo');
   * const { text } = await echo.call({ text: 'hi' });
   */
  agent<TAgent = unknown>(name: string, options: AgentHandleOptions<AgentOutput<TAgent>> = {}): AgentHandle<AgentInput<TAgent>, AgentOutput<TAgent>> {
    const handle = new AgentHandle<AgentInput<TAgent>, AgentOutput<TAgent>>(this.channel(name), options);
    const shadow = this.shadows.get(name);
    return shadow ? withShadow(handle, shadow, invokeBody) : handle;
  }

  /** Runs one agent by name (untyped). */
  invoke(name: string, input: unknown, options: CallOptions = {}): Promise<InvokeResult> {
    return this.agent(name).invoke(input, options);
  }

  describe(name: string, options: CallOptions = {}): Promise<AgentDescriptor> {
    return this.agent(name).describe(options);
  }

  /** Liveness and readiness of one sidecar, without retries. */
  async health(name: string, options: CallOptions = {}): Promise<{ live: boolean; ready: boolean }> {
    const channel = this.channel(name);
    const probe = async (path: string) => {
      try {
        await channel.call({ method: 'GET', path, idempotent: true }, { maxRetries: 0, timeoutMs: 2000, ...options });
        return true;
      } catch {
        return false;
      }
    };
    const [live, ready] = await Promise.all([probe('/healthz'), probe('/readyz')]);
    return { live, ready };
  }

  /** Calls several agents at once; see `FanOutStrategy`. */
  fanOut(branches: readonly FanOutBranch[], options: FanOutOptions = {}): Promise<FanOutResult> {
    return fanOut((agent, input, callOptions) => this.invoke(agent, input, callOptions), branches, options);
  }

  /** Runs agents in sequence, each step's output feeding the next. */
  pipeline(steps: readonly PipelineStep[], input: unknown, options: CallOptions = {}): Promise<PipelineResult> {
    return pipeline((agent, stepInput, callOptions) => this.invoke(agent, stepInput, callOptions), steps, input, options);
  }

  /** Replaces the replicas of a sidecar at run time; calls in flight finish where they are. */
  setEndpoints(name: string, endpoints: ReadonlyArray<string | { url: string; weight?: number }>): void {
    this.channel(name).setEndpoints(normalise(endpoints));
  }

  /** Keeps endpoints in step with a JSON file (`{ "<sidecar>": [url | {url, weight}] }`); returns a stop function. */
  watchEndpointsFile(path: string): () => void {
    return watchEndpointsFile(path, (name, endpoints) => {
      if (this.channels.has(name)) this.channel(name).setEndpoints(endpoints);
    }, this.options.logger);
  }

  /** Keeps a sidecar's endpoints in step with DNS (A/AAAA or SRV); returns a stop function. */
  discoverByDns(name: string, options: DnsDiscoveryOptions): () => void {
    const channel = this.channel(name);
    return discoverByDns(options, (endpoints) => channel.setEndpoints(endpoints), this.options.logger);
  }

  /** Shifts traffic to a canary step by step, rolling back on its own past the bounds. */
  rollout(name: string, options: RolloutOptions): Rollout {
    return startRollout(this.channel(name), this.events, options);
  }

  /** Blue/green: once `next` is ready, traffic ramps onto it over `warmupMs` and the old replicas drain. */
  cutover(name: string, next: string, options: CutoverOptions = {}): Promise<void> {
    return cutover(this.channel(name), next, options);
  }

  on<K extends ClientEventName>(name: K, listener: (event: ClientEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  /** Per-sidecar counters, breaker state and latency quantiles (and the shadow's comparison, where one is set). */
  stats(): Record<string, SidecarStats> {
    return Object.fromEntries(
      [...this.channels].map(([name, channel]) => {
        const shadow = this.shadows.get(name);
        return [name, shadow ? { ...channel.stats(), shadow: shadow.report() } : channel.stats()];
      }),
    );
  }

  /** Lets calls in flight finish, then closes every pool. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...[...this.channels.values()].map((channel) => channel.close()), ...[...this.shadows.values()].map((shadow) => shadow.close())]);
  }

  /** Aborts calls in flight and closes every pool at once. */
  async destroy(): Promise<void> {
    this.closed = true;
    await Promise.all([...[...this.channels.values()].map((channel) => channel.destroy()), ...[...this.shadows.values()].map((shadow) => shadow.close())]);
  }

  private channel(name: string): SidecarChannel {
    if (this.closed) throw new SquireConfigError('the client is closed');
    const channel = this.channels.get(name);
    if (!channel) throw new SquireConfigError(`no sidecar named "${name}"; known: ${[...this.channels.keys()].join(', ') || 'none'}`);
    return channel;
  }
}

/**
 * Creates a client for the given sidecars. Options are validated here, once.
 * @throws {SquireConfigError} naming each invalid option
 */
export function createClient(options: ClientOptions): SquireClient {
  return new SquireClient(options);
}

function normalise(endpoints: ReadonlyArray<string | { url: string; weight?: number }>): EndpointSpec[] {
  return endpoints.map((item) => (typeof item === 'string' ? { url: item, weight: 1 } : { url: item.url, weight: item.weight ?? 1 }));
}
