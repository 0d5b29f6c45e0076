/**
 * @module
 * One log line and one metrics sample per request: request id, run id, agent,
 * status, duration and the caller's `traceparent`. The route label is
 * normalised so that ids never become metric labels.
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { SidecarMetrics } from '../metrics.js';
import type { SidecarEnv } from '../app-env.js';
import { requestHeader, setResponseHeader } from './request-header.js';
import { accessLogger } from '../logger.js';
import { traceIdOfRun } from '../telemetry/trace-context.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function routeLabel(path: string): string {
  if (path.startsWith('/v1/runs/')) {
    if (path.endsWith('/events')) return '/v1/runs/:id/events';
    if (path.endsWith('/cancel')) return '/v1/runs/:id/cancel';
    return '/v1/runs/:id';
  }
  if (path.startsWith('/v1/sessions/')) return '/v1/sessions/:id';
  if (path.startsWith('/v1/models/')) return '/v1/models/:model';
  switch (path) {
    case '/healthz':
    case '/readyz':
    case '/metrics':
    case '/openapi.json':
    case '/v1/agent':
    case '/v1/invoke':
    case '/v1/runs':
    case '/mcp':
    case '/a2a':
    case '/.well-known/agent-card.json':
    case '/v1/chat/completions':
    case '/v1/models':
      return path;
    default:
      return 'other';
  }
}

export function requestLog(log: Logger, metrics: SidecarMetrics, agentName: string): MiddlewareHandler<SidecarEnv> {
  const access = accessLogger(log);
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    const offered = requestHeader(c, 'x-request-id');
    const reqId = offered !== undefined && REQUEST_ID.test(offered) ? offered : randomUUID();
    const traceparent = requestHeader(c, 'traceparent');
    const logBindings: Record<string, string> = traceparent !== undefined ? { reqId, traceparent } : { reqId };
    c.set('logBindings', logBindings);
    c.set('reqId', reqId);
    setResponseHeader(c, 'x-request-id', reqId);
    await next();
    const { method, path } = c.req;
    const route = routeLabel(path);
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    metrics.requests.inc({ route, method, status: String(status) });
    metrics.requestDuration.observe({ route, method }, seconds);
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
