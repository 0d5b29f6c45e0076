/**
 * @module
 * Reads a request header from Node's already-parsed header object when the
 * app runs on node:http. Going through `c.req.header()` makes node-server
 * build a full web `Headers` for the request, a measurable cost on every
 * call; `app.request()` in tests has no Node request and falls back to it.
 */
import type { Context } from 'hono';

export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: { headers: Record<string, string | string[] | undefined> } } | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
