/**
 * @module
 * The Hono environment of the sidecar: node bindings and per-request variables.
 */
import type { HttpBindings } from '@hono/node-server';

export interface SidecarEnv {
  Bindings: HttpBindings;
  Variables: {
    /** Fields every log line of this request carries (request id, traceparent). */
    logBindings: Record<string, string>;
    reqId: string;
    runId: string | undefined;
  };
}
