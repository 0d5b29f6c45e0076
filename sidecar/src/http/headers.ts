/**
 * @module
 * Request and response headers through Node's own objects when the app runs
 * on node:http. Going through `c.req.header()` makes node-server build a
 * full web `Headers` for the request, and `c.header()` builds one for the
 * response that node-server then copies back into a plain object: both are
 * a measurable cost on every call. `app.request()` in tests has no Node
 * request and falls back to Hono's API.
 */
import type { Context } from 'hono';

interface NodeBindings {
  incoming?: { headers: Record<string, string | string[] | undefined> };
  outgoing?: { setHeader(name: string, value: string): unknown };
}

export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  return headerValue(incoming.headers[name]);
}

/** A header of Node's request as one string: Node hands a repeated header over as a list. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Sets a header of the response to come, whichever way the handler builds
 * it: Node merges it into the `writeHead` of any response, including one a
 * handler or the error handler returns as a new `Response`.
 */
export function setResponseHeader(c: Context, name: string, value: string): void {
  const outgoing = (c.env as NodeBindings | undefined)?.outgoing;
  if (outgoing) outgoing.setHeader(name, value);
  else c.header(name, value);
}
