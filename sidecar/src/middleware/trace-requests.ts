/**
 * @module
 * A SERVER span per request, mounted only when tracing is on. It continues
 * the caller's `traceparent` and ends when the response is written to the
 * end, so a streamed answer's span covers the whole stream.
 */
import type { MiddlewareHandler } from 'hono';
import type { SidecarEnv } from '../app-env.js';
import type { Tracing } from '../telemetry/tracing.js';
import { requestHeader } from './request-header.js';
import { routeLabel } from './request-log.js';

export function traceRequests(tracing: Tracing): MiddlewareHandler<SidecarEnv> {
  return async function traceRequestsMiddleware(c, next) {
    const { method, path } = c.req;
    const span = tracing.startServer({ method, path, route: routeLabel(path), traceparent: requestHeader(c, 'traceparent') });
    c.set('serverSpan', span);
    try {
      await next();
    } catch (error) {
      span.end(500);
      throw error;
    }
    const outgoing = c.env?.outgoing;
    if (!outgoing) {
      span.end(c.res.status);
      return;
    }
    // The status as Node sent it (a stream's errors come after its 200).
    outgoing.once('close', () => span.end(outgoing.statusCode || c.res.status));
  };
}
