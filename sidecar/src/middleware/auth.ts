/**
 * @module
 * Bearer-token check in constant time. Only the exact paths of the probes
 * (and of public discovery documents a protocol names, A2A's agent card) are
 * exempt: the comparison is on the raw path, so `/healthz/../v1/invoke` or
 * `/v1/invoke?x=/healthz` still need the token.
 */
import { timingSafeEqual } from 'node:crypto';
import { SidecarError } from '../errors.js';

export const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/**
 * Whether a presented secret is the token, in constant time: the presented
 * bytes are copied into a scratch buffer of the token's length and compared
 * with `timingSafeEqual`, so the time depends on the token's length (fixed,
 * and no secret) and on the presented one's, never on how much of it
 * matches. No digest per request, no allocation. Every check of the token
 * goes through here.
 */
export function tokenMatcher(token: string): (presented: string) => boolean {
  const expected = Buffer.from(token, 'utf8');
  const scratch = Buffer.alloc(expected.length);
  return (presented) => {
    // Synchronous from fill to compare: no other call can use `scratch` in between.
    scratch.fill(0);
    scratch.write(presented, 'utf8');
    const same = timingSafeEqual(scratch, expected);
    return Buffer.byteLength(presented, 'utf8') === expected.length && same;
  };
}

/** The token of an `Authorization: Bearer <token>` header, if the header has that form. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * Throws 401 unless `authorization` carries the token or the request's path
 * (`url`, absolute or as on the request line) is a probe or one of
 * `publicPaths`. Independent of Hono, so the invoke fast path runs the
 * very same check.
 */
export function bearerGuard(token: string, publicPaths: readonly string[] = []): (authorization: string | undefined, url: string) => void {
  const exempt = publicPaths.length > 0 ? new Set([...PROBE_PATHS, ...publicPaths]) : PROBE_PATHS;
  const matches = tokenMatcher(token);
  return function checkBearer(authorization, url) {
    if (exempt.has(rawPath(url))) return;
    const presented = bearerToken(authorization);
    if (presented === undefined || !matches(presented)) {
      throw new SidecarError('unauthorized', presented !== undefined ? 'the bearer token is not valid' : 'send Authorization: Bearer <token>');
    }
  };
}

/** The path exactly as sent, before any decoding or dot-segment handling; `url` is absolute or origin-form (`/path?query`). */
export function rawPath(url: string): string {
  const start = url.startsWith('/') ? 0 : url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.search(/[?#]/);
  return end === -1 || end < start ? url.slice(start) : url.slice(start, end);
}
