/**
 * @module
 * `createApp(deps)` builds the sidecar's Hono app: the edge middleware, the
 * routes of the route table (`http/route-table.ts`), the protocols, the
 * console and error mapping. It never listens, reads the environment or
 * installs signal handlers (that is `main.ts`), so tests can drive it with
 * `app.request()`.
 */
import { Hono, type Context, type Handler } from 'hono';
import type { Logger } from 'pino';
import type { AgentDescriptor } from '@squire/client/contract';
import { SidecarError, failureOf, problemResponse } from './errors.js';
import type { SidecarEnv } from './app-env.js';
import type { SidecarMetrics } from './metrics.js';
import type { Lifecycle } from './runtime/lifecycle.js';
import type { RunExecutor } from './runtime/run-executor.js';
import type { DeadlineLimits } from './runtime/deadline.js';
import { requestLog } from './middleware/request-log.js';
import { RequestEdge } from './middleware/request-edge.js';
import { invokeFastPath, type FastPath } from './http/invoke-fast-path.js';
import type { Tracing } from './telemetry/tracing.js';
import { hostGuard } from './middleware/host-check.js';
import { bearerGuard } from './middleware/auth.js';
import { requestHeader, setResponseHeader } from './http/headers.js';
import { CONTRACT_ROUTES, RouteTable, honoPath, type ContractOperation, type RouteSpec } from './http/route-table.js';
import { healthHandlers } from './routes/health.js';
import { invokeHandler } from './routes/invoke.js';
import { runHandlers } from './routes/runs.js';
import { sessionHandlers } from './routes/sessions.js';
import type { BackgroundRuns } from './runs/background-runs.js';
import type { Sessions } from './session/sessions.js';
import type { Store } from './store/store.js';
import type { IdempotencyLedger } from './runs/ledger.js';
import type { ProtocolMount } from './protocols/protocol.js';
import type { ConsoleMount } from './console/console-mount.js';

export interface AppDeps {
  descriptor: AgentDescriptor;
  /**
   * Builds the OpenAPI document; its `paths` are narrowed to the route
   * table's and given operation ids. Called on the first request for it:
   * converting the contract's zod schemas to JSON Schema was ~10 % of a
   * start-up's CPU, for a document few sidecars are ever asked for.
   */
  openapi: () => Record<string, unknown>;
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
  /** The store behind runs and sessions: `/readyz` answers 503 while it does not. */
  store?: Pick<Store, 'ping'>;
  runs: BackgroundRuns;
  sessions: Sessions;
  /** The protocols' routes (labels only: each protocol registers and answers its own). */
  protocolRoutes?: readonly RouteSpec[];
  heartbeatMs?: number;
  /** Idempotency-Key support on POST /v1/invoke. */
  idempotency?: IdempotencyLedger;
  /** Protocols beside contract v1 (MCP, A2A, OpenAI chat): routes after auth, errors in their own shape. */
  protocols?: readonly ProtocolMount[];
  /** The browser console: static pages that decide their own access (see `console/console-mount.ts`). */
  console?: ConsoleMount | undefined;
  /** A SERVER span per request; undefined (no span work at all) when tracing is off. */
  tracing?: Tracing | undefined;
}

const fastPaths = new WeakMap<Hono<SidecarEnv>, FastPath>();

/**
 * The invoke fast path of an app made by `createApp` (see
 * `http/invoke-fast-path.ts`), for the server to try before the app.
 */
export function fastPathOf(app: Hono<SidecarEnv>): FastPath | undefined {
  return fastPaths.get(app);
}

export function createApp(deps: AppDeps): Hono<SidecarEnv> {
  const app = new Hono<SidecarEnv>();
  const protocols = deps.protocols ?? [];
  const protocolOf = (path: string) => protocols.find((protocol) => protocol.owns(path));
  const contract = new RouteTable(CONTRACT_ROUTES);
  const table = new RouteTable([...CONTRACT_ROUTES, ...(deps.protocolRoutes ?? [])]);
  // The published paths are the table's: a route without a documented
  // operation fails the document (route-table.test.ts checks the contract's
  // routes, protocol-switch.test.ts every protocol's).
  let openapi: Record<string, unknown> | undefined;
  const openApiDocument = (): Record<string, unknown> => {
    if (openapi) return openapi;
    const document = deps.openapi();
    openapi = { ...document, paths: table.openApiPaths(document.paths as Record<string, Record<string, unknown>>) };
    return openapi;
  };

  const renderError = (error: unknown, c: Context<SidecarEnv>): Response => {
    // An error response replaces the one the middleware prepared headers for.
    const headers: Record<string, string> = { 'x-request-id': c.get('reqId') };
    if (deps.lifecycle.phase === 'draining') headers.connection = 'close';
    const protocol = protocolOf(c.req.path);
    const failure = failureOf(error, deps.log, c.get('logBindings'));
    if (!protocol) return problemResponse(failure, headers);
    const response = protocol.renderError(failure, c);
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  };

  const checkHost = deps.allowedHosts ? hostGuard(deps.allowedHosts) : undefined;
  const publicPaths = [...protocols.flatMap((protocol) => protocol.publicPaths ?? []), ...(deps.console?.paths ?? [])];
  const checkBearer = deps.token ? bearerGuard(deps.token, publicPaths) : undefined;
  // The checks every request passes, on the app's path and on the invoke fast path alike.
  const guard = (host: string | undefined, authorization: string | undefined, url: string) => {
    checkHost?.(host, url);
    checkBearer?.(authorization, url);
  };
  const edge = new RequestEdge({ log: deps.log, metrics: deps.metrics, agentName: deps.descriptor.name, table });
  app.use(
    '*',
    requestLog({
      table,
      edge,
      renderError,
      tracing: deps.tracing,
      guard(c) {
        // Tell keep-alive clients to open their next connection elsewhere.
        if (deps.lifecycle.phase === 'draining') setResponseHeader(c, 'connection', 'close');
        guard(requestHeader(c, 'host'), requestHeader(c, 'authorization'), c.req.url);
      },
    }),
  );
  // With tracing on every request gets its server span from the middleware, so all go through the app.
  if (!deps.tracing) {
    fastPaths.set(
      app,
      invokeFastPath({ executor: deps.executor, lifecycle: deps.lifecycle, limits: deps.limits, edge, guard, log: deps.log, idempotency: deps.idempotency }),
    );
  }

  const handlers: Record<ContractOperation, Handler<SidecarEnv>> = {
    ...healthHandlers({ lifecycle: deps.lifecycle, ...(deps.ready && { ready: deps.ready }), ...(deps.store && { store: deps.store }) }),
    describeAgent: (c) => c.json(deps.descriptor),
    getOpenApi: (c) => c.json(openApiDocument()),
    getMetrics: async (c) => {
      const body = await deps.metrics.registry.metrics();
      return c.body(body, 200, { 'content-type': deps.metrics.registry.contentType });
    },
    invoke: invokeHandler({
      executor: deps.executor,
      lifecycle: deps.lifecycle,
      limits: deps.limits,
      idempotency: deps.idempotency,
      ...(deps.heartbeatMs !== undefined && { heartbeatMs: deps.heartbeatMs }),
    }),
    ...runHandlers({ runs: deps.runs, executor: deps.executor, lifecycle: deps.lifecycle, limits: deps.limits, ...(deps.heartbeatMs !== undefined && { heartbeatMs: deps.heartbeatMs }) }),
    ...sessionHandlers(deps.sessions),
  };
  for (const route of CONTRACT_ROUTES) app.on(route.method, honoPath(route.path), handlers[route.operation]);
  for (const protocol of protocols) app.route('/', protocol.routes);
  const { console: page } = deps;
  if (page) for (const pattern of page.patterns) app.all(pattern, page.handler);

  app.notFound((c) => {
    const protocol = protocolOf(c.req.path);
    const allowed = protocol ? protocol.allowedMethods(c.req.path) : contract.allow(c.req.path);
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
  app.onError(renderError);
  return app;
}
