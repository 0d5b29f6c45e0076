/**
 * @module
 * One log line and one metrics sample per request: request id, run id and
 * trace id, agent, status, duration and the caller's `traceparent`; with
 * tracing on, a SERVER span around it all. The route label is the route
 * table's template, so ids never become metric labels or span names.
 */
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { SidecarMetrics } from '../metrics.js';
import type { SidecarEnv } from '../app-env.js';
import { requestHeader, setResponseHeader } from '../http/headers.js';
import { accessLogger } from '../logger.js';
import { honoPath, type RouteTable } from '../http/route-table.js';
import { traceIdOfRun } from '../telemetry/trace-context.js';
import type { ServerSpan, Tracing } from '../telemetry/tracing.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** One route's metric children, bound once: prom-client hashes label sets on every unbound call. */
interface RouteSamples {
  readonly duration: { observe(seconds: number): void };
  readonly byStatus: Map<number, { inc(): void }>;
}

/**
 * The request metrics of each (route, method), bound at start-up for the
 * table's routes and on first use for anything else (a wrong method, `other`).
 */
export function routeSamples(metrics: SidecarMetrics, table: RouteTable): (route: string, method: string) => RouteSamples {
  const byRoute = new Map<string, RouteSamples>();
  const bind = (route: string, method: string): RouteSamples => {
    const samples: RouteSamples = { duration: metrics.requestDuration.labels({ route, method }), byStatus: new Map() };
    byRoute.set(`${method} ${route}`, samples);
    return samples;
  };
  for (const spec of table.routes) bind(honoPath(spec.path), spec.method);
  return (route, method) => byRoute.get(`${method} ${route}`) ?? bind(route, method);
}

function countStatus(metrics: SidecarMetrics, samples: RouteSamples, route: string, method: string, status: number): void {
  let counter = samples.byStatus.get(status);
  if (!counter) {
    counter = metrics.requests.labels({ route, method, status: String(status) });
    samples.byStatus.set(status, counter);
  }
  counter.inc();
}

export interface EdgeOptions {
  log: Logger;
  metrics: SidecarMetrics;
  agentName: string;
  table: RouteTable;
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
  const { metrics, agentName, table, guard, renderError, tracing } = options;
  const access = accessLogger(options.log);
  const samplesOf = routeSamples(metrics, table);
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    const { method, path } = c.req;
    const route = table.label(path);
    const offered = requestHeader(c, 'x-request-id');
    const reqId = offered !== undefined && REQUEST_ID.test(offered) ? offered : randomUUID();
    const traceparent = requestHeader(c, 'traceparent');
    // Continues the caller's trace; the run this request starts nests under it.
    const span = tracing?.startServer({ method, path, route, traceparent });
    if (span) c.set('serverSpan', span);
    const logBindings: Record<string, string> = traceparent !== undefined ? { reqId, traceparent } : { reqId };
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
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    const samples = samplesOf(route, method);
    countStatus(metrics, samples, route, method, status);
    samples.duration.observe(seconds);
    // Probes and scrapes arrive every few seconds; they log only at debug.
    const level = route === '/healthz' || route === '/readyz' || route === '/metrics' ? 'debug' : status >= 500 ? 'warn' : 'info';
    if (!access.isLevelEnabled(level)) return;
    const runId = c.get('runId');
    access[level](
      {
        ...logBindings,
        agent: agentName,
        method,
        path,
        status,
        durationMs: Math.round(seconds * 100_000) / 100,
        // A waited-for run's trace is the request's, when it has one; a background run's is its own (see traceIdOfRun).
        ...(runId !== undefined && { run_id: runId, trace_id: c.get('traceId') ?? traceIdOfRun(runId) }),
      },
      'request',
    );
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
