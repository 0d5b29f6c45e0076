/**
 * @module
 * `GET /v1/sessions/{id}` (the whole stored conversation) and
 * `DELETE /v1/sessions/{id}` (forget it; idempotent, 204 either way).
 */
import { Hono } from 'hono';
import { SidecarError } from '../errors.js';
import type { Sessions } from '../session/sessions.js';

export function sessionRoutes(sessions: Sessions): Hono {
  const app = new Hono();
  app.get('/v1/sessions/:id', async (c) => {
    const session = await sessions.get(c.req.param('id'));
    if (!session) throw new SidecarError('not_found', `no session "${c.req.param('id')}"`);
    return c.json(session);
  });
  app.delete('/v1/sessions/:id', async (c) => {
    await sessions.delete(c.req.param('id'));
    return c.body(null, 204);
  });
  return app;
}
