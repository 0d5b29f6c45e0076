/**
 * @module
 * Bearer-token check in constant time. Only the exact paths of the probes are
 * exempt: the comparison is on the raw path, so `/healthz/../v1/invoke` or
 * `/v1/invoke?x=/healthz` still need the token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { SidecarError } from '../errors.js';
import { requestHeader } from './request-header.js';

export const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

const digest = (value: string) => createHash('sha256').update(value).digest();

export function bearerAuth(token: string): MiddlewareHandler {
  // Comparing fixed-length digests keeps the comparison constant-time
  // whatever the length of the presented token.
  const expected = digest(token);
  return async function bearerAuthMiddleware(c, next) {
    if (PROBE_PATHS.has(rawPath(c.req.url))) return next();
    const header = requestHeader(c, 'authorization') ?? '';
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new SidecarError('unauthorized', match ? 'the bearer token is not valid' : 'send Authorization: Bearer <token>');
    }
    return next();
  };
}

/** The path exactly as sent, before any decoding or dot-segment handling. */
export function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.search(/[?#]/);
  return end === -1 || end < start ? url.slice(start) : url.slice(start, end);
}
