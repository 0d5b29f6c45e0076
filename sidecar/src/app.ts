/**
 * @module
 * `createApp(deps)` builds the sidecar's Hono app: middleware, routes, error
 * mapping. It never listens, reads the environment or installs signal
 * handlers (that is `main.ts`), so tests can drive it with `app.request()`.
 */
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AgentDescriptor } from '@squire/client/contract';
import { SidecarError, problemResponse } from './errors.js';
import type { SidecarEnv } from './app-env.js';
import type { SidecarMetrics } from './metrics.js';
import type { Lifecycle } from './runtime/lifecycle.js';
import type { RunExecutor } from './runtime/run-executor.js';
import type { DeadlineLimits } from './runtime/deadline.js';
import { requestLog } from './middleware/request-log.js';
import { traceRequests } from './middleware/trace-requests.js';
import type { Tracing } from './telemetry/tracing.js';
import { hostCheck } from './middleware/host-check.js';
import { bearerCheck } from './middleware/auth.js';
import { setResponseHeader } from './middleware/request-header.js';
import { healthRoutes } from './routes/health.js';
import { invokeRoutes } from './routes/invoke.js';
import type { IdempotencyLedger } from './runs/ledger.js';
import type { ProtocolMount } from './protocols/protocol.js';
import type { ConsoleMount } from './console/console-mount.js';

export interface AppDeps {
  descriptor: AgentDescriptor;
  openapi: Record<string, unknown>;
  executor: RunExecutor;
  lifecycle: Lifecycle;
  metrics: SidecarMetrics;
  log: Logger;
  limits: DeadlineLimits & { maxBodyBytes: number; maxBodyDepth?: number | undefined };
  /** Required on every route but the probes when set. */
  token?: string | undefined;
  /** Host names accepted on a loopback bind; `undefined` turns the check off (unix sockets, tokened public binds). */
  allowedHosts?: readonly string[] | undefined;
  ready?: () => boolean | Promise<boolean>;
  /** Route groups of other features (background runs, sessions), mounted after auth. */
  routes?: ReadonlyArray<Hono<SidecarEnv> | Hono>;
  heartbeatMs?: number;
  /** Idempotency-Key support on POST /v1/invoke. */
  idempotency?: IdempotencyLedger;
  /** Protocols beside contract v1 (MCP, A2A, OpenAI chat): routes after auth, errors in their own shape. */
  protocols?: readonly ProtocolMount[];
  /** The browser console: static pages that decide their own access (see `console/console-mount.ts`). */
  console?: ConsoleMount | undefined;
  /** A SERVER span per request; undefined (no middleware at all) when tracing is off. */
  tracing?: Tracing | undefined;
}

export function createApp(deps: AppDeps): Hono<SidecarEnv> {
  const app = new Hono<SidecarEnv>();
  if (deps.tracing) app.use('*', traceRequests(deps.tracing));
  app.use('*', requestLog(deps.log, deps.metrics, deps.descriptor.name));
  // The checks every request passes, as one middleware: each layer of
  // Hono's chain costs a promise and a dispatch on every call.
  const checkHost = deps.allowedHosts ? hostCheck(deps.allowedHosts) : undefined;
  const protocols = deps.protocols ?? [];
  const publicPaths = [...protocols.flatMap((protocol) => protocol.publicPaths ?? []), ...(deps.console?.paths ?? [])];
  const checkBearer = deps.token ? bearerCheck(deps.token, publicPaths) : undefined;
  const protocolOf = (path: string) => protocols.find((protocol) => protocol.owns(path));
  app.use('*', function requestGuard(c, next) {
    // Tell keep-alive clients to open their next connection elsewhere.
    if (deps.lifecycle.phase === 'draining') setResponseHeader(c, 'connection', 'close');
    checkHost?.(c);
    checkBearer?.(c);
    return next();
  });

  app.route('/', healthRoutes({ lifecycle: deps.lifecycle, ...(deps.ready && { ready: deps.ready }) }));
  app.get('/v1/agent', (c) => c.json(deps.descriptor));
  app.get('/openapi.json', (c) => c.json(deps.openapi));
  app.get('/metrics', async (c) => {
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': deps.metrics.registry.contentType });
  });
  app.route(
    '/',
    invokeRoutes({
      executor: deps.executor,
      lifecycle: deps.lifecycle,
      limits: deps.limits,
      idempotency: deps.idempotency,
      ...(deps.heartbeatMs !== undefined && { heartbeatMs: deps.heartbeatMs }),
    }),
  );
  for (const routes of deps.routes ?? []) app.route('/', routes as Hono<SidecarEnv>);
  for (const protocol of protocols) app.route('/', protocol.routes);
  const { console: page } = deps;
  if (page) for (const pattern of page.patterns) app.all(pattern, page.handler);

  app.notFound((c) => {
    const protocol = protocolOf(c.req.path);
    const allowed = protocol ? protocol.allowedMethods(c.req.path) : allowedMethods(c.req.path);
    if (allowed && !allowed.split(', ').includes(c.req.method)) {
      const error = new SidecarError('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${allowed}`);
      if (!protocol) return problemResponse(error, { allow: allowed });
      const response = protocol.renderError(error, c);
      response.headers.set('allow', allowed);
      return response;
    }
    const missing = new SidecarError('not_found', `no route for ${c.req.method} ${c.req.path}`);
    return protocol ? protocol.renderError(missing, c) : problemResponse(missing);
  });
  app.onError((error, c) => {
    // An error response replaces the one the middleware prepared headers for.
    const headers: Record<string, string> = { 'x-request-id': c.get('reqId') };
    if (deps.lifecycle.phase === 'draining') headers.connection = 'close';
    const protocol = protocolOf(c.req.path);
    let failure: SidecarError;
    if (error instanceof SidecarError) failure = error;
    else {
      deps.log.error({ err: error, ...c.get('logBindings') }, 'unhandled error');
      failure = new SidecarError('internal_error', 'the sidecar failed to handle this request; see its log');
    }
    if (!protocol) return problemResponse(failure, headers);
    const response = protocol.renderError(failure, c);
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  });
  return app;
}

/** Methods of each contract v1 path, so a wrong method answers 405 with `Allow` rather than 404. */
const ROUTE_METHODS: ReadonlyArray<[RegExp, string]> = [
  [/^\/(healthz|readyz|metrics|openapi\.json)$/, 'GET'],
  [/^\/v1\/agent$/, 'GET'],
  [/^\/v1\/invoke$/, 'POST'],
  [/^\/v1\/runs$/, 'GET, POST'],
  [/^\/v1\/runs\/[^/]+$/, 'GET'],
  [/^\/v1\/runs\/[^/]+\/events$/, 'GET'],
  [/^\/v1\/runs\/[^/]+\/cancel$/, 'POST'],
  [/^\/v1\/sessions\/[^/]+$/, 'GET, DELETE'],
];

function allowedMethods(path: string): string | undefined {
  return ROUTE_METHODS.find(([pattern]) => pattern.test(path))?.[1];
}
