/**
 * @module
 * The Hono environment of the sidecar: node bindings and per-request variables.
 */
import type { HttpBindings } from '@hono/node-server';
import type { ServerSpan } from './telemetry/tracing.js';

export interface SidecarEnv {
  Bindings: HttpBindings;
  Variables: {
    /** Fields every log line of this request carries (request id, traceparent). */
    logBindings: Record<string, string>;
    reqId: string;
    runId: string | undefined;
    /** The trace id of the run this request started (for the request's log line). */
    traceId: string | undefined;
    /** The request's SERVER span, when tracing is on. */
    serverSpan: ServerSpan | undefined;
  };
}
