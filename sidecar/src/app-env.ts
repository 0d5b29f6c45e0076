/**
 * @module
 * The Hono environment of the sidecar: node bindings and per-request variables.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Logger } from 'pino';

export interface SidecarEnv {
  Bindings: HttpBindings;
  Variables: {
    /** The root logger; use `requestLogger(c)` for one bound to the request. */
    rootLog: Logger;
    /** Fields every log line of this request carries (request id, traceparent). */
    logBindings: Record<string, string>;
    reqId: string;
    runId: string | undefined;
  };
}
