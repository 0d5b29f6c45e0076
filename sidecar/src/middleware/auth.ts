/**
 * @module
 * Bearer-token check in constant time. Only the exact paths of the probes
 * (and of public discovery documents a protocol names, A2A's agent card) are
 * exempt: the comparison is on the raw path, so `/healthz/../v1/invoke` or
 * `/v1/invoke?x=/healthz` still need the token.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { SidecarError } from '../errors.js';
import { requestHeader } from './request-header.js';

export const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

// One-shot hashing: a Hash object per request costs several times more.
const digest = (value: string) => hash('sha256', value, 'buffer');

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/** Throws 401 unless the request carries the token (or is a probe, or one of `publicPaths`). */
export function bearerCheck(token: string, publicPaths: readonly string[] = []): (c: Context) => void {
  const exempt = publicPaths.length > 0 ? new Set([...PROBE_PATHS, ...publicPaths]) : PROBE_PATHS;
  // Comparing fixed-length digests keeps the comparison constant-time
  // whatever the length of the presented token.
  const expected = digest(token);
  return function checkBearer(c) {
    if (exempt.has(rawPath(c.req.url))) return;
    const header = requestHeader(c, 'authorization') ?? '';
    const match = BEARER.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new SidecarError('unauthorized', match ? 'the bearer token is not valid' : 'send Authorization: Bearer <token>');
    }
  };
}

/** The path exactly as sent, before any decoding or dot-segment handling. */
export function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.search(/[?#]/);
  return end === -1 || end < start ? url.slice(start) : url.slice(start, end);
}
