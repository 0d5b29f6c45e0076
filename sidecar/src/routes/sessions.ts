/**
 * @module
 * `GET /v1/sessions/{id}` (the whole stored conversation) and
 * `DELETE /v1/sessions/{id}` (forget it; idempotent, 204 either way).
 */
import { Hono } from 'hono';
import { SidecarError } from '../errors.js';
import type { SessionStore } from '../session/session-store.js';

export function sessionRoutes(store: SessionStore): Hono {
  const app = new Hono();
  app.get('/v1/sessions/:id', (c) => {
    const session = store.get(c.req.param('id'));
    if (!session) throw new SidecarError('not_found', `no session "${c.req.param('id')}"`);
    return c.json(session);
  });
  app.delete('/v1/sessions/:id', (c) => {
    store.delete(c.req.param('id'));
    return c.body(null, 204);
  });
  return app;
}
