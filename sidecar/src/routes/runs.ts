/**
 * @module
 * Durable background runs: `POST /v1/runs` (202 once on disk), `GET
 * /v1/runs/{id}`, `GET /v1/runs` (status filter, cursor), `POST
 * /v1/runs/{id}/cancel` (idempotent), `POST /v1/runs/{id}/resume` (a
 * decision for a run paused for input; once) and `GET /v1/runs/{id}/events` (SSE,
 * replayed after `Last-Event-ID`, then live until the run ends).
 */
import type { Handler } from 'hono';
import { pathParam } from '../http/path-params.js';
import { HEADERS, RUN_STATUSES, ResumeRequestSchema, type RunStatus } from '@squire/client/contract';
import { SidecarError, toValidationIssues } from '../errors.js';
import { readJsonBody } from '../http/json-body.js';
import type { SidecarEnv } from '../app-env.js';
import type { Lifecycle } from '../runtime/lifecycle.js';
import type { RunExecutor } from '../runtime/run-executor.js';
import type { BackgroundRuns } from '../runs/background-runs.js';
import { bodyHash, validateIdempotencyKey } from '../runs/ledger.js';
import { requestHeader } from '../http/headers.js';
import { parseInvoke, type InvokeDeps } from './invoke.js';
import { followRunAsSse } from './follow-run.js';

export interface RunRoutesDeps {
  runs: BackgroundRuns;
  executor: RunExecutor;
  lifecycle: Lifecycle;
  limits: InvokeDeps['limits'];
  heartbeatMs?: number;
}

const MAX_PAGE = 500;

export type RunOperation = 'createRun' | 'listRuns' | 'getRun' | 'cancelRun' | 'resumeRun' | 'followRunEvents';

/** The handlers of the background-run routes, by operation (`http/route-table.ts`). */
export function runHandlers(deps: RunRoutesDeps): Record<RunOperation, Handler<SidecarEnv>> {
  return {
    createRun: async (c) => {
      deps.lifecycle.assertAcceptingWork();
      const parsed = await parseInvoke(c, deps.executor, deps.limits);
      if (parsed.onBusy !== undefined || requestHeader(c, HEADERS.onBusy) !== undefined) {
        throw new SidecarError('invalid_request', "on_busy applies to invokes; a background run waits for its session or follows the agent's session.onBusy");
      }
      const key = requestHeader(c, HEADERS.idempotencyKey);
      const { runId, replayed } = await deps.runs.submit({
        input: parsed.rawInput,
        sessionId: parsed.sessionId,
        metadata: parsed.metadata,
        timeoutMs: parsed.timeoutMs,
        idempotency: key !== undefined ? { key: validateIdempotencyKey(key), hash: bodyHash(parsed.body) } : undefined,
      });
      c.set('runId', runId);
      c.header('location', `/v1/runs/${runId}`);
      c.header(HEADERS.runId, runId);
      if (replayed) c.header(HEADERS.idempotentReplayed, 'true');
      const status = replayed ? ((await deps.runs.get(runId))?.status ?? 'queued') : 'queued';
      return c.json({ run_id: runId, status }, 202);
    },

    listRuns: async (c) => {
      const status = c.req.query('status');
      if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status)) {
        throw new SidecarError('invalid_request', `status must be one of ${RUN_STATUSES.join(', ')}`);
      }
      const limitText = c.req.query('limit') ?? '50';
      const limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new SidecarError('invalid_request', `limit must be an integer from 1 to ${MAX_PAGE}`);
      const after = decodeCursor(c.req.query('cursor'));
      const page = await deps.runs.list({ status: status as RunStatus | undefined, limit: limit + 1, after });
      const data = page.slice(0, limit);
      const last = data[data.length - 1];
      return c.json({ data, next_cursor: page.length > limit && last ? encodeCursor(Date.parse(last.created_at), last.run_id) : null });
    },

    getRun: async (c) => {
      const record = await deps.runs.get(pathParam(c, 'id'));
      if (!record) throw new SidecarError('not_found', `no run "${pathParam(c, 'id')}"`);
      return c.json(record);
    },

    cancelRun: async (c) => c.json(await deps.runs.cancel(pathParam(c, 'id'))),

    resumeRun: async (c) => {
      const body = await readJsonBody(c, deps.limits.maxBodyBytes, deps.limits.maxBodyDepth);
      const answer = ResumeRequestSchema.safeParse(body);
      if (!answer.success) {
        throw new SidecarError('invalid_request', 'the body must be {"decision": "approve" | "reject", "reason"?: string}', { issues: toValidationIssues(answer.error.issues) });
      }
      return c.json(await deps.runs.resume(pathParam(c, 'id'), answer.data));
    },

    followRunEvents: async (c) => {
      const runId = pathParam(c, 'id');
      if (!(await deps.runs.get(runId))) throw new SidecarError('not_found', `no run "${runId}"`);
      const resumeFrom = requestHeader(c, HEADERS.lastEventId) ?? c.req.query('last_event_id') ?? '0';
      if (!/^\d{1,12}$/.test(resumeFrom)) throw new SidecarError('invalid_request', 'Last-Event-ID must be the numeric id of an event of this run');
      // The stored event's JSON goes out as it is; on a store error the stream ends and the client resumes with Last-Event-ID.
      return followRunAsSse(c, deps, runId, Number(resumeFrom), (stream, event, stored) => stream.writeSSE({ id: String(event.seq), event: event.type, data: stored.data }));
    },
  };
}

function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string | undefined): { createdAt: number; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof createdAt === 'number' && typeof id === 'string') return { createdAt, id };
  } catch {
    // falls through to the error below
  }
  throw new SidecarError('invalid_request', 'cursor is not one this sidecar issued');
}
