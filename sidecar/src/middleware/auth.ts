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
import { requestHeader } from '../http/headers.js';

export const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

// One-shot hashing: a Hash object per request costs several times more.
const digest = (value: string) => hash('sha256', value, 'buffer');

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/**
 * Whether a presented secret is the token, in constant time: comparing
 * fixed-length digests keeps the time independent of the presented
 * secret's length and content. Every check of the token goes through here.
 */
export function tokenMatcher(token: string): (presented: string) => boolean {
  const expected = digest(token);
  return (presented) => timingSafeEqual(digest(presented), expected);
}

/** The token of an `Authorization: Bearer <token>` header, if the header has that form. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/** Throws 401 unless the request carries the token (or is a probe, or one of `publicPaths`). */
export function bearerCheck(token: string, publicPaths: readonly string[] = []): (c: Context) => void {
  const exempt = publicPaths.length > 0 ? new Set([...PROBE_PATHS, ...publicPaths]) : PROBE_PATHS;
  const matches = tokenMatcher(token);
  return function checkBearer(c) {
    if (exempt.has(rawPath(c.req.url))) return;
    const presented = bearerToken(requestHeader(c, 'authorization'));
    if (presented === undefined || !matches(presented)) {
      throw new SidecarError('unauthorized', presented !== undefined ? 'the bearer token is not valid' : 'send Authorization: Bearer <token>');
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
