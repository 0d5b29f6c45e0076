/**
 * @module
 * A background run's events as an SSE response: what `opening` writes
 * first, then every event after `afterSeq` — stored ones, then live ones,
 * each once — until the run ends or the caller goes away (heartbeats and
 * write order: `http/sse.ts`). Contract v1's
 * `GET /v1/runs/{id}/events` and A2A's task streams differ only in how
 * they write an event.
 */
import type { Context } from 'hono';
import type { SSEStreamingApi } from 'hono/streaming';
import type { RunEvent } from '@squire/client/contract';
import type { StoredEvent } from '../store/store.js';
import type { SidecarEnv } from '../app-env.js';
import type { BackgroundRuns } from '../runs/background-runs.js';
import { sseResponse } from '../http/sse.js';

export function followRunAsSse(
  c: Context<SidecarEnv>,
  deps: { runs: BackgroundRuns; heartbeatMs?: number | undefined },
  runId: string,
  afterSeq: number,
  /** `stored.data` is the event's JSON as stored, for writers that send it unchanged. */
  write: (stream: SSEStreamingApi, event: RunEvent, stored: StoredEvent) => Promise<void>,
  opening?: (stream: SSEStreamingApi) => Promise<void>,
): Response {
  return sseResponse(c, { heartbeatMs: deps.heartbeatMs }, async (writer) => {
    if (opening) writer.enqueue(opening);
    let resolveEnd!: () => void;
    const ended = new Promise<void>((resolve) => (resolveEnd = resolve));
    const stop = deps.runs.follow(
      runId,
      afterSeq,
      (event, stored) => writer.enqueue((stream) => write(stream, event, stored)),
      () => resolveEnd(),
    );
    writer.onAbort(() => {
      stop();
      resolveEnd();
    });
    await ended;
  });
}
