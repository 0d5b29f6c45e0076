/**
 * @module
 * One log line and one metrics sample per request: request id, run id, agent,
 * status, duration and the caller's `traceparent`. The route label is
 * normalised so that ids never become metric labels.
 */
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { SidecarMetrics } from '../metrics.js';
import type { SidecarEnv } from '../app-env.js';
import { requestHeader } from './request-header.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function routeLabel(path: string): string {
  if (path.startsWith('/v1/runs/')) {
    if (path.endsWith('/events')) return '/v1/runs/:id/events';
    if (path.endsWith('/cancel')) return '/v1/runs/:id/cancel';
    return '/v1/runs/:id';
  }
  if (path.startsWith('/v1/sessions/')) return '/v1/sessions/:id';
  switch (path) {
    case '/healthz':
    case '/readyz':
    case '/metrics':
    case '/openapi.json':
    case '/v1/agent':
    case '/v1/invoke':
    case '/v1/runs':
      return path;
    default:
      return 'other';
  }
}

export function requestLog(log: Logger, metrics: SidecarMetrics, agentName: string): MiddlewareHandler<SidecarEnv> {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    const offered = requestHeader(c, 'x-request-id');
    const reqId = offered !== undefined && REQUEST_ID.test(offered) ? offered : randomUUID();
    const traceparent = requestHeader(c, 'traceparent');
    const logBindings: Record<string, string> = traceparent !== undefined ? { reqId, traceparent } : { reqId };
    c.set('rootLog', log);
    c.set('logBindings', logBindings);
    c.set('reqId', reqId);
    // Headers set before the handler are merged cheaply; touching c.res after
    // it would turn node-server's light response into a full web Response.
    c.header('x-request-id', reqId);
    await next();
    const route = routeLabel(c.req.path);
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    metrics.requests.inc({ route, method: c.req.method, status: String(status) });
    metrics.requestDuration.observe({ route, method: c.req.method }, seconds);
    const runId = c.get('runId');
    // Probes and scrapes arrive every few seconds; they log only at debug.
    const level = route === '/healthz' || route === '/readyz' || route === '/metrics' ? 'debug' : status >= 500 ? 'warn' : 'info';
    if (!log.isLevelEnabled(level)) return;
    log[level](
      { ...logBindings, agent: agentName, method: c.req.method, path: c.req.path, status, durationMs: Math.round(seconds * 100_000) / 100, ...(runId !== undefined && { runId }) },
      'request',
    );
  };
}

/** A child logger bound to the request; built on first use, since most requests never log beyond their one line. */
export function requestLogger(c: Context<SidecarEnv>): Logger {
  return c.get('rootLog').child(c.get('logBindings'));
}
