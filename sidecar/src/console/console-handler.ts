/**
 * @module
 * Answers the console's paths (see `console-mount.ts`); loaded on the first
 * console request.
 *
 * Who may load the page: on a loopback bind or a unix socket, anyone who
 * reaches the sidecar (the Host check against DNS rebinding still applies);
 * the page holds no data, and every API call it makes carries the token the
 * user gives it. Elsewhere the page itself needs the token: as a Bearer
 * header, or — since a browser cannot add a header to a navigation — as the
 * password of HTTP Basic auth, which the browser asks for once. Basic is
 * accepted on these static paths only, never on the API, so credentials a
 * browser attaches on its own can unlock nothing but the page.
 */
import type { Context, Handler } from 'hono';
import type { SidecarEnv } from '../app-env.js';
import { SidecarError, problemResponse } from '../errors.js';
import { bearerToken, tokenMatcher } from '../middleware/auth.js';
import { requestHeader } from '../http/headers.js';
import { consoleAssetReader } from './console-assets.js';
import { CONSOLE_TARGETS, type ConsoleOptions } from './console-mount.js';
import { PAGE_HEADERS } from './page-headers.js';

const ALLOW = 'GET, HEAD';
const BASIC_CHALLENGE = 'Basic realm="Squire console", charset="UTF-8"';

export function consoleHandler(options: ConsoleOptions): Handler<SidecarEnv> {
  const read = consoleAssetReader(options.assetsDir);
  const guard = !options.open && options.token !== undefined ? pageGuard(options.token) : undefined;
  return async function serveConsole(c) {
    const target = CONSOLE_TARGETS.get(c.req.path);
    if (!target) throw new SidecarError('not_found', `no console file ${c.req.path}`);
    // Hono answers HEAD by running this as GET and dropping the body.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return problemResponse(new SidecarError('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${ALLOW}`), { allow: ALLOW });
    }
    const denied = guard?.(c);
    if (denied) return denied;
    if ('location' in target) return new Response(null, { status: target.status, headers: { ...PAGE_HEADERS, location: target.location } });
    const asset = await read(target.file);
    const headers = { ...PAGE_HEADERS, etag: asset.etag };
    if (requestHeader(c, 'if-none-match') === asset.etag) return new Response(null, { status: 304, headers });
    return new Response(asset.body, { status: 200, headers: { ...headers, 'content-type': asset.contentType } });
  };
}

/** Bearer or Basic (any user name, the token as password); a 401 that makes a browser ask otherwise. */
function pageGuard(token: string): (c: Context<SidecarEnv>) => Response | undefined {
  const matches = tokenMatcher(token);
  return (c) => {
    const header = requestHeader(c, 'authorization');
    const presented = bearerToken(header) ?? basicPassword(header);
    if (presented !== undefined && matches(presented)) return undefined;
    const error = new SidecarError('unauthorized', 'the console needs the token: as a bearer token, or as the password the browser asks for');
    return problemResponse(error, { ...PAGE_HEADERS, 'www-authenticate': BASIC_CHALLENGE });
  };
}

/** The password of `Authorization: Basic base64(user:password)`. */
export function basicPassword(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Basic[ ]+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}
