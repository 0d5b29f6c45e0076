/**
 * @module
 * `POST /v1/invoke`: run once and answer with the result, as JSON or, with
 * `Accept: text/event-stream`, as the run's SSE events. A caller that goes
 * away aborts its run.
 */
import type { ServerResponse } from 'node:http';
import type { Context, Handler } from 'hono';
import type { SSEStreamingApi } from 'hono/streaming';
import { HEADERS, InvokeRequestSchema, PROBLEM_CONTENT_TYPE, type RunEvent, type SessionBusyPolicy } from '@squire/client/contract';
import { SidecarError, isSidecarError, toValidationIssues } from '../errors.js';
import type { SidecarEnv } from '../app-env.js';
import type { Lifecycle } from '../runtime/lifecycle.js';
import type { RunExecutor, RunOutcome, RunRequest } from '../runtime/run-executor.js';
import { RunEventChannel } from '../runtime/run-events.js';
import { resolveTimeoutMs, type DeadlineLimits } from '../runtime/deadline.js';
import { parseMaxRetries } from '../llm/model-retry-policy.js';
import { newRunId } from '../runtime/ids.js';
import { parseSessionPolicy } from '../session/session-gate.js';
import { traceIdOf } from '../telemetry/trace-context.js';
import { readJsonBody } from '../http/json-body.js';
import { sseResponse } from '../http/sse.js';
import { bodyHash, validateIdempotencyKey, type IdempotencyLedger, type KeyedAnswer } from '../runs/ledger.js';
import { requestHeader, setResponseHeader } from '../http/headers.js';

export interface InvokeDeps {
  executor: RunExecutor;
  lifecycle: Lifecycle;
  limits: DeadlineLimits & { maxBodyBytes: number; maxBodyDepth?: number | undefined };
  /** Milliseconds between SSE heartbeat comments. @default 15000 */
  heartbeatMs?: number;
  /** Idempotency-Key support; without it the header is ignored. */
  idempotency?: IdempotencyLedger | undefined;
}

/** A validated invoke, ready to run. */
export interface ParsedInvoke {
  /** The whole body as sent (for idempotency hashing). */
  body: unknown;
  /** `input` as sent, before the schema's transforms (what a background run stores). */
  rawInput: unknown;
  input: unknown;
  sessionId: string | undefined;
  /** The body's `on_busy`, when it has one. */
  onBusy?: SessionBusyPolicy | undefined;
  metadata: Record<string, string>;
  timeoutMs: number;
}

/** Shared by invoke and background runs: body limits, envelope, input schema, deadline header. */
export async function parseInvoke(c: Context<SidecarEnv>, executor: RunExecutor, limits: InvokeDeps['limits']): Promise<ParsedInvoke> {
  const timeoutMs = resolveTimeoutMs(requestHeader(c, HEADERS.timeoutMs), limits);
  return parseInvokeBody(await readJsonBody(c, limits.maxBodyBytes, limits.maxBodyDepth), timeoutMs, executor);
}

/** An invoke body, already parsed as JSON: envelope, then the input schema. */
export function parseInvokeBody(body: unknown, timeoutMs: number, executor: RunExecutor): ParsedInvoke {
  if (isBareEnvelope(body)) {
    return { body, rawInput: body.input, input: executor.validateInput(body.input), sessionId: undefined, metadata: {}, timeoutMs };
  }
  const envelope = InvokeRequestSchema.safeParse(body);
  if (!envelope.success) {
    throw new SidecarError('invalid_request', 'the body must be {"input": ..., "session_id"?: string, "metadata"?: {string: string}}', {
      issues: toValidationIssues(envelope.error.issues),
    });
  }
  if (!('input' in (body as object))) {
    throw new SidecarError('invalid_request', 'the body has no "input" field', {
      issues: [{ path: ['input'], message: 'Required', code: 'invalid_type' }],
    });
  }
  return {
    body,
    rawInput: envelope.data.input,
    input: executor.validateInput(envelope.data.input),
    sessionId: envelope.data.session_id,
    onBusy: envelope.data.on_busy,
    metadata: envelope.data.metadata ?? {},
    timeoutMs,
  };
}

/**
 * `{"input": ...}` and nothing else, the usual body: the envelope schema
 * accepts it as it is, so zod has nothing to check or copy.
 */
function isBareEnvelope(body: unknown): body is { input: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  let keys = 0;
  for (const key in body) {
    if (key !== 'input' || ++keys > 1) return false;
  }
  return keys === 1;
}

/** A waited-for run has no parent signal until its caller adds one; frozen, as every such run shares it. */
const NO_SIGNALS = Object.freeze([]) as readonly AbortSignal[] as AbortSignal[];

/** A run for a caller who waits for its answer (invoke, and the chat-shaped protocols), with the request's log fields and trace context. */
export function syncRunRequest(
  c: Context<SidecarEnv>,
  fields: Pick<ParsedInvoke, 'input' | 'sessionId' | 'onBusy' | 'metadata' | 'timeoutMs'> & Pick<RunRequest, 'conversation'>,
): Omit<RunRequest, 'signals'> {
  const serverSpan = c.get('serverSpan');
  const request = waitedRunRequest(
    fields,
    {
      traceparent: serverSpan?.traceparent ?? requestHeader(c, HEADERS.traceparent),
      onBusy: requestHeader(c, HEADERS.onBusy),
      maxRetries: requestHeader(c, HEADERS.maxRetries),
    },
    c.get('logBindings'),
    serverSpan?.traceId,
  );
  c.set('runId', request.runId);
  if (request.traceId !== undefined) c.set('traceId', request.traceId);
  return request;
}

/** The headers of a request that shape the run it starts. */
export interface RunHeaders {
  /** The server span's when tracing is on, else the caller's. */
  traceparent: string | undefined;
  onBusy: string | undefined;
  maxRetries: string | undefined;
}

/**
 * `syncRunRequest` without Hono (the invoke fast path builds its runs
 * here too); `traceId` is the run's trace when a trace reached the sidecar.
 */
export function waitedRunRequest(
  fields: Pick<ParsedInvoke, 'input' | 'sessionId' | 'onBusy' | 'metadata' | 'timeoutMs'> & Pick<RunRequest, 'conversation'>,
  headers: RunHeaders,
  logBindings: Record<string, string>,
  spanTraceId: string | undefined,
): RunRequest & { traceId: string | undefined } {
  const runId = newRunId();
  const { traceparent } = headers;
  return {
    runId,
    // Without a trace the run's lines use one derived from its id, which the request line derives too.
    traceId: spanTraceId ?? traceIdOf(traceparent),
    input: fields.input,
    sessionId: fields.sessionId,
    // The body's field, else the header (for protocols whose bodies have no place for it).
    onBusy: fields.onBusy ?? parseSessionPolicy(headers.onBusy),
    metadata: fields.metadata,
    attempt: 1,
    deadline: Date.now() + fields.timeoutMs,
    signals: NO_SIGNALS,
    events: new RunEventChannel(runId),
    kind: 'invoke',
    logBindings,
    traceparent,
    callerMaxRetries: parseMaxRetries(headers.maxRetries),
    ...(fields.conversation && { conversation: fields.conversation }),
  };
}

/** Calls `abort` when the HTTP client goes away before its answer is complete. */
export function onCallerGone(c: Context<SidecarEnv>): (abort: (reason: unknown) => void) => void {
  return (abort) => {
    const outgoing = c.env?.outgoing;
    if (outgoing) abortWhenGone(outgoing, abort);
    else c.req.raw.signal.addEventListener('abort', () => abort(callerGone()), { once: true });
  };
}

/** Calls `abort` when Node's response closes before it was written to the end: the caller went away. */
export function abortWhenGone(outgoing: ServerResponse, abort: (reason: unknown) => void): void {
  // \`on\`, not \`once\`: a response closes once, and \`once\` wraps the listener in two more objects per request.
  outgoing.on('close', () => {
    if (!outgoing.writableFinished) abort(callerGone());
  });
}

const callerGone = () => new SidecarError('cancelled', 'the caller disconnected before the run finished');

export function invokeResult(runId: string, outcome: RunOutcome, attempt = 1) {
  return { run_id: runId, status: 'succeeded' as const, output: outcome.output, usage: outcome.usage, timing: outcome.timing, attempt };
}

/** The handler of `POST /v1/invoke`. */
export function invokeHandler(deps: InvokeDeps): Handler<SidecarEnv> {
  return async (c) => {
    deps.lifecycle.assertAcceptingWork();
    const parsed = await parseInvoke(c, deps.executor, deps.limits);
    const request = syncRunRequest(c, parsed);
    const { runId } = request;
    const streaming = wantsEventStream(requestHeader(c, 'accept'));
    const key = requestHeader(c, HEADERS.idempotencyKey);
    if (key !== undefined && deps.idempotency && !streaming) {
      return keyedInvoke(c, deps.idempotency, validateIdempotencyKey(key), parsed.body, request.deadline, keyedRun(deps, request));
    }
    setResponseHeader(c, HEADERS.runId, runId);
    const done = deps.lifecycle.track();
    if (streaming) {
      return streamRun(c, deps, request, done);
    }
    try {
      const outcome = await deps.executor.execute({ ...request, signals: [], bindAbort: onCallerGone(c) });
      return c.json(invokeResult(runId, outcome));
    } finally {
      done();
    }
  };
}

/**
 * The one execution of a keyed invoke, as the ledger stores it: the answer
 * to replay to every call with the same key. No caller-gone abort: the
 * caller's retry with the same key joins this run.
 */
export function keyedRun(deps: Pick<InvokeDeps, 'executor' | 'lifecycle'>, request: Omit<RunRequest, 'signals'>): () => Promise<KeyedAnswer> {
  const { runId } = request;
  return async () => {
    const done = deps.lifecycle.track();
    try {
      const outcome = await deps.executor.execute({ ...request, signals: [] });
      return { status: 200, body: JSON.stringify(invokeResult(runId, outcome)), contentType: 'application/json', runId, keep: true };
    } catch (error) {
      const failure = isSidecarError(error) ? error.withRunId(runId) : new SidecarError('internal_error', 'the run failed unexpectedly', { cause: error, runId });
      return { status: failure.status, body: JSON.stringify(failure.toProblem()), contentType: PROBLEM_CONTENT_TYPE, retryAfter: failure.retryAfter, runId, keep: !failure.retryable };
    } finally {
      done();
    }
  };
}

/**
 * Answers a call under an Idempotency-Key through the ledger: runs `execute`
 * once per key and body, replays its answer otherwise. `deadline` bounds a
 * wait for the same key running on another replica.
 */
export async function keyedInvoke(
  c: Context<SidecarEnv>,
  ledger: IdempotencyLedger,
  key: string,
  body: unknown,
  deadline: number,
  execute: () => Promise<KeyedAnswer>,
  scope = 'invoke',
): Promise<Response> {
  const answer = await keyedAnswer(ledger, key, body, deadline, execute, c.get('reqId'), scope);
  if (answer.runId) c.set('runId', answer.runId);
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/** `keyedInvoke` without Hono (the invoke fast path answers keyed calls too): the answer's status, headers and body. */
export async function keyedAnswer(
  ledger: IdempotencyLedger,
  key: string,
  body: unknown,
  deadline: number,
  execute: () => Promise<KeyedAnswer>,
  reqId: string,
  scope = 'invoke',
): Promise<{ status: number; headers: Record<string, string>; body: string; runId: string | undefined }> {
  const { answer, replayed } = await ledger.once(scope, key, bodyHash(body), deadline, execute);
  const headers: Record<string, string> = { 'content-type': answer.contentType, 'x-request-id': reqId };
  if (answer.runId) headers[HEADERS.runId] = answer.runId;
  if (replayed) headers[HEADERS.idempotentReplayed] = 'true';
  if (answer.retryAfter !== undefined) headers[HEADERS.retryAfter] = String(Math.max(1, Math.ceil(answer.retryAfter)));
  return { status: answer.status, headers, body: answer.body, runId: answer.runId };
}

function wantsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('text/event-stream');
}

/**
 * Runs `request` while streaming it as SSE: `run.started`, the run's own
 * events, then `run.completed` or `run.failed`, each handed to `write`
 * (contract v1 writes them as they are; a protocol maps them onto its own
 * chunks). Closing the stream aborts the run; `done` is called once the
 * last write is out.
 */
export function streamRun(
  c: Context<SidecarEnv>,
  deps: { executor: RunExecutor; heartbeatMs?: number | undefined },
  request: Omit<RunRequest, 'signals'>,
  done: () => void,
  write: (stream: SSEStreamingApi, event: RunEvent) => Promise<void> = writeEvent,
): Response {
  const caller = new AbortController();
  return sseResponse(c, { heartbeatMs: deps.heartbeatMs, onEnd: done }, async (writer) => {
    writer.onAbort(() => caller.abort(new SidecarError('cancelled', 'the caller closed the event stream')));
    const unsubscribe = request.events.subscribe((event) => writer.enqueue((stream) => write(stream, event)));
    try {
      request.events.publish({ type: 'run.started', attempt: 1 });
      const outcome = await deps.executor.execute({ ...request, signals: [caller.signal] });
      request.events.publish({ type: 'run.completed', result: invokeResult(request.runId, outcome) });
    } catch (error) {
      const failure = isSidecarError(error) ? error : new SidecarError('internal_error', 'the run failed unexpectedly', { cause: error });
      request.events.publish({ type: 'run.failed', error: failure.withRunId(request.runId).toProblem() });
    } finally {
      unsubscribe();
    }
  });
}

function writeEvent(stream: SSEStreamingApi, event: RunEvent): Promise<void> {
  return stream.writeSSE({ id: String(event.seq), event: event.type, data: JSON.stringify(event) });
}
