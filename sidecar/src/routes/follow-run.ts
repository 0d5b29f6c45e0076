/**
 * @module
 * A background run's events as an SSE response: what `opening` writes
 * first, then every event after `afterSeq` — stored ones, then live ones,
 * each once — until the run ends or the caller goes away, with heartbeat
 * comments so idle proxies keep the stream. Contract v1's
 * `GET /v1/runs/{id}/events` and A2A's task streams differ only in how
 * they write an event.
 */
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { RunEvent } from '@squire/client/contract';
import type { StoredEvent } from '../store/store.js';
import type { SidecarEnv } from '../app-env.js';
import type { BackgroundRuns } from '../runs/background-runs.js';

export function followRunAsSse(
  c: Context<SidecarEnv>,
  deps: { runs: BackgroundRuns; heartbeatMs?: number | undefined },
  runId: string,
  afterSeq: number,
  /** `stored.data` is the event's JSON as stored, for writers that send it unchanged. */
  write: (stream: SSEStreamingApi, event: RunEvent, stored: StoredEvent) => Promise<void>,
  opening?: (stream: SSEStreamingApi) => Promise<void>,
): Response {
  return streamSSE(c, async (stream) => {
    let writes = opening ? opening(stream).catch(() => undefined) : Promise.resolve();
    let resolveEnd!: () => void;
    const ended = new Promise<void>((resolve) => (resolveEnd = resolve));
    const stop = deps.runs.follow(
      runId,
      afterSeq,
      (event, stored) => {
        writes = writes.then(() => write(stream, event, stored)).catch(() => undefined);
      },
      () => resolveEnd(),
    );
    stream.onAbort(() => {
      stop();
      resolveEnd();
    });
    const heartbeat = setInterval(() => {
      writes = writes.then(() => stream.write(': ping\n\n')).then(() => undefined).catch(() => undefined);
    }, deps.heartbeatMs ?? 15_000);
    await ended;
    clearInterval(heartbeat);
    await writes;
  });
}
