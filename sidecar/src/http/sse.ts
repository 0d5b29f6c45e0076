/**
 * @module
 * The one SSE writer of the sidecar: writes go out one after another in the
 * order they were queued, heartbeat comments keep idle proxies from cutting
 * the stream, and a write that fails (the caller went away) is dropped
 * rather than thrown into the producer. Run streams of `POST /v1/invoke`,
 * `GET /v1/runs/{id}/events` and the protocols' streams all go through it.
 */
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';

export const DEFAULT_HEARTBEAT_MS = 15_000;

export type SseWrite = (stream: SSEStreamingApi) => Promise<unknown>;

export interface SseWriter {
  /** Queues `write` after every write queued before it. */
  enqueue(write: SseWrite): void;
  /** Called once when the caller closes the stream. */
  onAbort(listener: () => void): void;
}

export interface SseOptions {
  /** Milliseconds between `: ping` comments. @default 15000 */
  heartbeatMs?: number | undefined;
  /** Called once the producer has returned and its last write is out. */
  onEnd?: () => void;
}

/** An SSE response whose events `produce` queues; the stream ends when `produce` settles and its writes are out. */
export function sseResponse(c: Context, options: SseOptions, produce: (writer: SseWriter) => Promise<void>): Response {
  return streamSSE(c, async (stream) => {
    let writes: Promise<unknown> = Promise.resolve();
    const writer: SseWriter = {
      enqueue(write) {
        writes = writes.then(() => write(stream)).catch(() => undefined);
      },
      onAbort(listener) {
        stream.onAbort(listener);
      },
    };
    const heartbeat = setInterval(() => writer.enqueue(pingComment), options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    try {
      await produce(writer);
    } finally {
      clearInterval(heartbeat);
      await writes;
      options.onEnd?.();
    }
  });
}

const pingComment: SseWrite = (stream) => stream.write(': ping\n\n');
