/**
 * @module
 * `GET /v1/sessions/{id}` (the whole stored conversation) and
 * `DELETE /v1/sessions/{id}` (forget it; idempotent, 204 either way).
 */
import type { Handler } from 'hono';
import { pathParam } from '../http/path-params.js';
import { SidecarError } from '../errors.js';
import type { Sessions } from '../session/sessions.js';

/** The handlers of the session routes, by operation (`http/route-table.ts`). */
export function sessionHandlers(sessions: Sessions): Record<'getSession' | 'deleteSession', Handler> {
  return {
    getSession: async (c) => {
    const session = await sessions.get(pathParam(c, 'id'));
    if (!session) throw new SidecarError('not_found', `no session "${pathParam(c, 'id')}"`);
    return c.json(session);
    },
    deleteSession: async (c) => {
      await sessions.delete(pathParam(c, 'id'));
      return c.body(null, 204);
    },
  };
}
