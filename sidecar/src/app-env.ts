/**
 * @module
 * The Hono environment of the sidecar: node bindings and per-request variables.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Logger } from 'pino';

export interface SidecarEnv {
  Bindings: HttpBindings;
  Variables: {
    log: Logger;
    reqId: string;
    runId: string | undefined;
  };
}
