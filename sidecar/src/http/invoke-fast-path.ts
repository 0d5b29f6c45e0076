/**
 * @module
 * `POST /v1/invoke` in its common form — JSON in and out, not streamed,
 * tracing off, the sidecar ready — answered on Node's
 * request and response before Hono sees the request. Hono's web `Request`
 * and `Response`, its context and its middleware chain cost more CPU per
 * call than the whole of the echo agent's run.
 *
 * Every promise is kept by the same functions the Hono path calls: the
 * guard (Host and bearer checks), the request id, body limits and JSON
 * parsing (`readJson`), the envelope and input schema (`parseInvokeBody`),
 * the deadline header, the run (`waitedRunRequest`, `executor.execute`),
 * an `Idempotency-Key` through the ledger (`keyedAnswer`, `keyedRun`),
 * problem+json errors, and one metrics sample and one access line
 * (`RequestEdge`). Anything else, and any request the guard refuses, falls
 * through to the full app, which answers it exactly as before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { HEADERS } from '@squire/client/contract';
import { failureOf, problemHeaders } from '../errors.js';
import type { Lifecycle } from '../runtime/lifecycle.js';
import type { RunExecutor } from '../runtime/run-executor.js';
import { resolveTimeoutMs } from '../runtime/deadline.js';
import type { RequestEdge } from '../middleware/request-edge.js';
import { abortWhenGone, invokeResult, keyedAnswer, keyedRun, parseInvokeBody, waitedRunRequest, type InvokeDeps } from '../routes/invoke.js';
import { validateIdempotencyKey, type IdempotencyLedger } from '../runs/ledger.js';
import { isJsonType, readJson } from './json-body.js';
import { headerValue } from './headers.js';

/** Answers a request and returns true, or returns false without touching it (the caller passes it on). */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface InvokeFastPathDeps {
  executor: RunExecutor;
  lifecycle: Lifecycle;
  limits: InvokeDeps['limits'];
  edge: RequestEdge;
  /** The app's checks of every request (Host, bearer); throws a `SidecarError` to refuse. */
  guard: (host: string | undefined, authorization: string | undefined, url: string) => void;
  log: Logger;
  /** Idempotency-Key support; without it the header is ignored, as on the app's path. */
  idempotency?: IdempotencyLedger | undefined;
}

const INVOKE_PATH = '/v1/invoke';

export function invokeFastPath(deps: InvokeFastPathDeps): FastPath {
  return function fastInvoke(req, res) {
    if (req.method !== 'POST' || req.url !== INVOKE_PATH) return false;
    const { headers } = req;
    // Starting and draining answers (503, `Connection: close`) are the app's.
    if (deps.lifecycle.phase !== 'ready') return false;
    if (headers['content-encoding'] !== undefined) return false;
    const accept = headers.accept;
    if (accept !== undefined && accept.includes('text/event-stream')) return false;
    const type = headers['content-type'];
    if (type === undefined || !isJsonType(type)) return false;
    const started = performance.now();
    try {
      deps.guard(headers.host, headers.authorization, INVOKE_PATH);
    } catch {
      // The app runs the same checks again and renders the refusal.
      return false;
    }
    answer(deps, req, res, started).catch((error: unknown) => {
      deps.log.error({ err: error }, 'invoke fast path failed after answering');
    });
    return true;
  };
}

async function answer(deps: InvokeFastPathDeps, req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
  const { headers } = req;
  const { edge, executor } = deps;
  const reqId = edge.requestId(headerValue(headers['x-request-id']));
  const traceparent = headerValue(headers.traceparent);
  const logBindings = edge.logBindings(reqId, traceparent);
  let runId: string | undefined;
  let traceId: string | undefined;
  /** The run id an error answer names: an un-keyed run's once it exists (a keyed answer carries its own). */
  let answeredRunId: string | undefined;
  let status: number;
  try {
    const timeoutMs = resolveTimeoutMs(headerValue(headers[HEADERS.timeoutMs]), deps.limits);
    const body = await readJson(
      {
        contentType: headers['content-type'],
        contentEncoding: undefined,
        contentLength: headerValue(headers['content-length']),
        incoming: req,
        closeConnection: () => res.setHeader('connection', 'close'),
      },
      deps.limits.maxBodyBytes,
      deps.limits.maxBodyDepth,
    );
    const parsed = parseInvokeBody(body, timeoutMs, executor);
    const request = waitedRunRequest(
      parsed,
      { traceparent, onBusy: headerValue(headers[HEADERS.onBusy]), maxRetries: headerValue(headers[HEADERS.maxRetries]) },
      logBindings,
      undefined,
    );
    runId = request.runId;
    traceId = request.traceId;
    const key = headerValue(headers[HEADERS.idempotencyKey]);
    if (key !== undefined && deps.idempotency) {
      const keyed = await keyedAnswer(deps.idempotency, validateIdempotencyKey(key), parsed.body, request.deadline, keyedRun(deps, request), reqId);
      // A replayed answer names the run that made it.
      runId = keyed.runId ?? runId;
      status = keyed.status;
      writeAnswer(res, status, Object.entries(keyed.headers).flat(), keyed.body);
    } else {
      answeredRunId = request.runId;
      const done = deps.lifecycle.track();
      let payload: string;
      try {
        request.bindAbort = (abort) => abortWhenGone(res, abort);
        const outcome = await executor.execute(request);
        payload = JSON.stringify(invokeResult(request.runId, outcome));
      } finally {
        done();
      }
      status = 200;
      writeAnswer(res, 200, ['content-type', 'application/json', 'x-request-id', reqId, HEADERS.runId, request.runId], payload);
    }
  } catch (error) {
    status = writeProblem(deps, res, error, reqId, answeredRunId, logBindings);
  }
  edge.finish({ method: 'POST', path: INVOKE_PATH, route: INVOKE_PATH, status, started, logBindings, runId, traceId });
}

/** The error answer, as the app's error handler gives it: problem+json with the request id (and run id once there is a run). */
function writeProblem(
  deps: InvokeFastPathDeps,
  res: ServerResponse,
  error: unknown,
  reqId: string,
  runId: string | undefined,
  logBindings: Record<string, string>,
): number {
  const failure = failureOf(error, deps.log, logBindings);
  const extra: Record<string, string> = { 'x-request-id': reqId };
  if (runId !== undefined) extra[HEADERS.runId] = runId;
  if (deps.lifecycle.phase === 'draining') extra.connection = 'close';
  if (!res.headersSent && !res.writableEnded) {
    const body = JSON.stringify(failure.toProblem());
    res.writeHead(failure.status, { ...problemHeaders(failure, extra), 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
  return failure.status;
}

/**
 * Writes a whole answer, unless the response already ended (the caller went
 * away). Headers come as Node's flat list of names and values, which
 * `writeHead` takes without building an object per response.
 */
function writeAnswer(res: ServerResponse, status: number, headers: string[], body: string): void {
  if (res.writableEnded) return;
  headers.push('content-length', String(Buffer.byteLength(body)));
  res.writeHead(status, headers);
  res.end(body);
}
