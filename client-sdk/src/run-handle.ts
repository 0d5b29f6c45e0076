/**
 * @module
 * A durable background run seen from the caller: `get()` its record,
 * `wait()` for its end, follow its `events()` (which resume with
 * `Last-Event-ID` after a dropped connection, so no event is lost or
 * repeated), `cancel()` it.
 */
import { HEADERS, RunListSchema, RunRecordSchema, isTerminalRunStatus, type ApprovalDecision, type RunEvent, type RunList, type RunRecord, type RunStatus } from './contract/index.js';
import { AbortError, ProtocolError, TimeoutError, isSquireError } from './errors.js';
import { cancellationOf } from './internal/cancel.js';
import { sleep } from './internal/timers.js';
import type { CallOptions } from './options.js';
import { RunStream } from './streaming/run-stream.js';
import type { SidecarChannel } from './transport/sidecar-channel.js';

export interface WaitOptions {
  /** Milliseconds to wait for the run to end. @default no limit beyond the signal */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Milliseconds between status polls. @default 250 */
  pollMs?: number;
}

export class RunHandle<TOutput = unknown> {
  constructor(
    readonly id: string,
    private readonly channel: SidecarChannel,
  ) {}

  async get(options: CallOptions = {}): Promise<RunRecord> {
    const result = await this.channel.call({ method: 'GET', path: `/v1/runs/${encodeURIComponent(this.id)}`, idempotent: true }, options);
    return parse(RunRecordSchema, result.text, this.channel.name);
  }

  /**
   * Resolves with the finished record (whatever its status). However many
   * times it polls, it leaves no listener on `signal` behind.
   */
  async wait(options: WaitOptions = {}): Promise<RunRecord & { output?: TOutput }> {
    const until = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
    const cancel = options.signal && cancellationOf(options.signal);
    const stopped = (cause: unknown) => new AbortError('stopped waiting for the run', { sidecar: this.channel.name, runId: this.id, cause });
    for (;;) {
      if (cancel?.aborted) throw stopped(cancel.reason);
      const record = await this.get({ timeoutMs: 10_000, ...(options.signal && { signal: options.signal }) });
      if (isTerminalRunStatus(record.status)) return record as RunRecord & { output?: TOutput };
      if (Date.now() >= until) throw new TimeoutError(`run ${this.id} is still ${record.status}`, { code: 'wait_timeout', sidecar: this.channel.name, runId: this.id });
      await sleep(Math.min(options.pollMs ?? 250, until - Date.now()), cancel).catch((reason: unknown) => {
        throw stopped(reason);
      });
    }
  }

  /**
   * Answers a run paused for input (`status: 'input_required'`, `awaiting`
   * says what) with a decision; it goes back to the queue. Resolves with
   * its record. A second answer is refused (`conflict`, 409).
   */
  async resume(decision: ApprovalDecision, options: CallOptions & { reason?: string } = {}): Promise<RunRecord> {
    const { reason, ...callOptions } = options;
    const body = JSON.stringify({ decision, ...(reason !== undefined && { reason }) });
    const result = await this.channel.call({ method: 'POST', path: `/v1/runs/${encodeURIComponent(this.id)}/resume`, body, idempotent: false }, callOptions);
    return parse(RunRecordSchema, result.text, this.channel.name);
  }

  /** Cancels the run; idempotent. Resolves with its record. */
  async cancel(options: CallOptions = {}): Promise<RunRecord> {
    const result = await this.channel.call({ method: 'POST', path: `/v1/runs/${encodeURIComponent(this.id)}/cancel`, idempotent: true }, options);
    return parse(RunRecordSchema, result.text, this.channel.name);
  }

  /**
   * The run's events from `afterSeq` on, ending with `run.completed` or
   * `run.failed`. A dropped connection is reopened with `Last-Event-ID`
   * (up to `maxReconnects` times in a row without progress).
   */
  async *events(options: { afterSeq?: number; maxReconnects?: number; signal?: AbortSignal } = {}): AsyncGenerator<RunEvent> {
    const cancel = options.signal && cancellationOf(options.signal);
    let last = options.afterSeq ?? 0;
    let failures = 0;
    for (;;) {
      const stream = new RunStream(
        this.channel.open(
          { method: 'GET', path: `/v1/runs/${encodeURIComponent(this.id)}/events`, accept: 'text/event-stream', idempotent: true },
          { headers: { [HEADERS.lastEventId]: String(last) }, timeoutMs: 24 * 3600_000, ...(options.signal && { signal: options.signal }) },
        ),
        { sidecar: this.channel.name, endpoint: this.channel.config.url },
        {},
        (output) => output,
      );
      let ended = false;
      try {
        for await (const event of stream) {
          if (event.seq <= last) continue;
          last = event.seq;
          failures = 0;
          yield event;
          if (event.type === 'run.completed' || event.type === 'run.failed') ended = true;
        }
        if (ended) return;
        // Closed before the final event (a proxy, a restart): resume after the last id.
        failures += 1;
        if (failures > (options.maxReconnects ?? 5)) {
          throw new ProtocolError(`the event stream of run ${this.id} kept closing before the run ended`, { sidecar: this.channel.name, runId: this.id });
        }
        await sleep(Math.min(2000, 100 * 2 ** failures), cancel);
      } catch (error) {
        if (isSquireError(error) && (error.code === 'not_found' || error.code === 'aborted')) throw error;
        failures += 1;
        if (failures > (options.maxReconnects ?? 5)) throw error;
        await sleep(Math.min(2000, 100 * 2 ** failures), cancel);
      }
    }
  }
}

export async function listRuns(channel: SidecarChannel, query: { status?: RunStatus; limit?: number; cursor?: string } = {}, options: CallOptions = {}): Promise<RunList> {
  const params = new URLSearchParams();
  if (query.status) params.set('status', query.status);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.cursor) params.set('cursor', query.cursor);
  const result = await channel.call({ method: 'GET', path: `/v1/runs${params.size > 0 ? `?${params}` : ''}`, idempotent: true }, options);
  return parse(RunListSchema, result.text, channel.name);
}

function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown } }, text: string, sidecar: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProtocolError(`sidecar "${sidecar}" answered with a body that is not JSON`, { sidecar, cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ProtocolError(`sidecar "${sidecar}" answered with a run that is not contract squire/1`, { sidecar, cause: parsed.error });
  return parsed.data;
}
