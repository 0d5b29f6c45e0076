/**
 * @module
 * Liveness and readiness. Both are unauthenticated and are also served alone
 * on `--health-port` for kubelet probes that come from the pod address, with
 * `/metrics` beside them when `--metrics-on-health-port` asks for it (a
 * scrape from the pod network carries no token).
 */
import { Hono } from 'hono';
import { SidecarError, problemResponse } from '../errors.js';
import type { Lifecycle } from '../runtime/lifecycle.js';
import { withTimeout } from '@squire/client/internal';
import type { Registry } from 'prom-client';

export interface HealthDeps {
  lifecycle: Lifecycle;
  /** The agent's own `ready()`; absent means always ready. */
  ready?: () => boolean | Promise<boolean>;
  /** Serves `GET /metrics` from this registry too. */
  metrics?: Registry | undefined;
}

const READY_CHECK_TIMEOUT_MS = 2000;

export function healthRoutes(deps: HealthDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      deps.lifecycle.assertAcceptingWork();
      if (deps.ready && !(await withTimeout(Promise.resolve(deps.ready()), READY_CHECK_TIMEOUT_MS, () => false))) {
        throw new SidecarError('not_ready', "the agent's ready() check failed", { retryAfter: 1 });
      }
    } catch (error) {
      const problem =
        error instanceof SidecarError
          ? error
          : new SidecarError('not_ready', `the agent's ready() check threw: ${(error as Error)?.message ?? String(error)}`, { retryAfter: 1 });
      return problemResponse(problem);
    }
    return c.json({ status: 'ready' });
  });
  const { metrics } = deps;
  if (metrics) app.get('/metrics', async (c) => c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType }));
  return app;
}
