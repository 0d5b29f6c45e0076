/**
 * @module
 * A streamed run as an async iterator of `RunEvent`s. Breaking out of the
 * loop, or the call's signal aborting, tears the HTTP stream down. Timeouts
 * guard the wait for the first event and the gaps between events.
 */
import { RunEventSchema, type InvokeResult, type RunEvent } from '../contract/index.js';
import { ProtocolError, TimeoutError, fromResponse, type SquireError } from '../errors.js';
import { withTimeout } from '../internal/timers.js';
import type { OpenResult } from '../transport/sidecar-channel.js';
import { SseDecoder } from './sse-decoder.js';

export interface RunStreamOptions {
  /** Milliseconds to wait for the first event. @default the call's timeout */
  firstEventTimeoutMs?: number;
  /** Largest gap between two events (heartbeats count), in milliseconds. @default 60000 */
  idleTimeoutMs?: number;
}

export class RunStream<TOutput = unknown> implements AsyncIterable<RunEvent> {
  private resultValue: InvokeResult<TOutput> | undefined;
  private failure: SquireError | undefined;
  private consumed = false;

  constructor(
    private readonly opening: Promise<OpenResult>,
    private readonly context: { sidecar: string; endpoint: string },
    private readonly options: RunStreamOptions,
    private readonly parseOutput: (output: unknown) => TOutput,
  ) {
    // An unobserved failure before iteration must not become an unhandled rejection.
    opening.catch(() => undefined);
  }

  /** The final result once the stream ended with `run.completed` (throws the run's error after `run.failed`). */
  async result(): Promise<InvokeResult<TOutput>> {
    if (!this.consumed) for await (const _event of this) void _event;
    if (this.failure) throw this.failure;
    if (!this.resultValue) throw new ProtocolError('the event stream ended without run.completed or run.failed', this.context);
    return this.resultValue;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RunEvent> {
    if (this.consumed) throw new Error('a RunStream can be iterated once');
    this.consumed = true;
    const opened = await this.opening;
    const decoder = new SseDecoder();
    const iterator = opened.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let first = true;
    let broken: unknown;
    try {
      for (;;) {
        const limit = first ? this.options.firstEventTimeoutMs : (this.options.idleTimeoutMs ?? 60_000);
        const reading = iterator.next();
        const next = limit === undefined ? await reading : await withTimeout(reading, limit, () => {
          throw new TimeoutError(first ? 'no event arrived in time' : 'the event stream went quiet', { ...this.context, code: first ? 'first_event_timeout' : 'stream_idle_timeout' });
        });
        if (next.done) break;
        first = false;
        for (const message of decoder.push(next.value)) {
          const event = this.parse(message.data);
          if (event.type === 'run.completed') {
            this.resultValue = { ...event.result, output: this.parseOutput(event.result.output) } as InvokeResult<TOutput>;
          } else if (event.type === 'run.failed') {
            this.failure = fromResponse(event.error.status, JSON.stringify(event.error), this.context);
          }
          yield event;
        }
      }
    } catch (error) {
      broken = error;
      throw error;
    } finally {
      // Early `break`, a thrown error, or the end: release the connection either way.
      if (!opened.body.destroyed) opened.body.destroy();
      opened.finish(broken ?? this.failure);
    }
  }

  private parse(data: string): RunEvent {
    try {
      return RunEventSchema.parse(JSON.parse(data));
    } catch (error) {
      throw new ProtocolError(`the sidecar sent an event that is not a contract v1 RunEvent: ${data.slice(0, 200)}`, { ...this.context, cause: error });
    }
  }
}
