/**
 * @module
 * One log line and one metrics sample per request: request id, run id and
 * trace id, agent, status, duration and the caller's `traceparent`; with
 * tracing on, a SERVER span around it all. The route label is the route
 * table's template, so ids never become metric labels or span names.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { SidecarEnv } from '../app-env.js';
import { requestHeader, setResponseHeader } from '../http/headers.js';
import type { RouteTable } from '../http/route-table.js';
import type { ServerSpan, Tracing } from '../telemetry/tracing.js';
import type { RequestEdge } from './request-edge.js';

export interface EdgeOptions {
  table: RouteTable;
  /** The request id, metrics and access-line steps, shared with the invoke fast path. */
  edge: RequestEdge;
  /** The checks every request passes before its handler (Host, bearer, drain); throws a `SidecarError`. */
  guard: (c: Context<SidecarEnv>) => void;
  /** The error answer of the app (`app.onError`), for a request the guard refuses. */
  renderError: (error: unknown, c: Context<SidecarEnv>) => Response;
  /** A SERVER span per request when set; undefined (nothing done per request) when tracing is off. */
  tracing?: Tracing | undefined;
}

/**
 * The one middleware of every request: the server span (tracing on),
 * request id, the guard's checks, then, once the handler answered, one
 * metrics sample and one access line. One layer rather than several: each
 * layer of Hono's chain costs a promise and a dispatch on every call.
 */
export function requestLog(options: EdgeOptions): MiddlewareHandler<SidecarEnv> {
  const { table, edge, guard, renderError, tracing } = options;
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    const { method, path } = c.req;
    const route = table.label(path);
    const reqId = edge.requestId(requestHeader(c, 'x-request-id'));
    const traceparent = requestHeader(c, 'traceparent');
    // Continues the caller's trace; the run this request starts nests under it.
    const span = tracing?.startServer({ method, path, route, traceparent });
    if (span) c.set('serverSpan', span);
    const logBindings = edge.logBindings(reqId, traceparent);
    c.set('logBindings', logBindings);
    c.set('reqId', reqId);
    setResponseHeader(c, 'x-request-id', reqId);
    let refused = false;
    try {
      guard(c);
    } catch (error) {
      refused = true;
      c.res = renderError(error, c);
    }
    if (!refused) {
      try {
        await next();
      } catch (error) {
        span?.end(500);
        throw error;
      }
    }
    if (span) endWhenSent(c, span);
    edge.finish({ method, path, route, status: c.res.status, started, logBindings, runId: c.get('runId'), traceId: c.get('traceId') });
  };
}

/** Ends a server span when its response is written to the end, so a streamed answer's span covers the whole stream. */
function endWhenSent(c: Context<SidecarEnv>, span: ServerSpan): void {
  const outgoing = c.env?.outgoing;
  if (!outgoing) {
    span.end(c.res.status);
    return;
  }
  // The status as Node sent it (a stream's errors come after its 200).
  outgoing.once('close', () => span.end(outgoing.statusCode || c.res.status));
}
