/**
 * @module
 * Liveness and readiness. Both are unauthenticated and are also served alone
 * on `--health-port` for kubelet probes that come from the pod address, with
 * `/metrics` beside them when `--metrics-on-health-port` asks for it (a
 * scrape from the pod network carries no token).
 */
import { Hono, type Handler } from 'hono';
import { SidecarError, problemResponse } from '../errors.js';
import type { Lifecycle } from '../runtime/lifecycle.js';
import { withTimeout } from '@squire/client/internal';
import { StoreUnavailableError } from '../store/errors.js';
import type { Store } from '../store/store.js';
import type { Registry } from '../prom.js';

export interface HealthDeps {
  lifecycle: Lifecycle;
  /** The agent's own `ready()`; absent means always ready. */
  ready?: () => boolean | Promise<boolean>;
  /** The store: a sidecar whose store does not answer is not ready (503 `store_unavailable`). */
  store?: Pick<Store, 'ping'>;
  /** Serves `GET /metrics` from this registry too. */
  metrics?: Registry | undefined;
}

const READY_CHECK_TIMEOUT_MS = 2000;

/** The probe handlers, by operation (`http/route-table.ts`). */
export function healthHandlers(deps: HealthDeps): Record<'getLiveness' | 'getReadiness', Handler> {
  return {
    getLiveness: (c) => c.json({ status: 'ok' }),
    getReadiness: async (c) => {
      try {
        deps.lifecycle.assertAcceptingWork();
        if (deps.store) {
          const store = deps.store;
          await withTimeout(store.ping(), READY_CHECK_TIMEOUT_MS, () => {
            throw new StoreUnavailableError('the store did not answer in time');
          });
        }
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
    },
  };
}

/** The probes alone, for `--health-port`. */
export function healthRoutes(deps: HealthDeps): Hono {
  const handlers = healthHandlers(deps);
  const app = new Hono();
  app.get('/healthz', handlers.getLiveness);
  app.get('/readyz', handlers.getReadiness);
  const { metrics } = deps;
  if (metrics) app.get('/metrics', async (c) => c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType }));
  return app;
}
