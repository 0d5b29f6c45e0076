/**
 * @module
 * The console's routes: the page at `/console/`, its files under
 * `/console/assets/`, and `/docs` and `/playground` (where people look for
 * such a page) leading to its API and Try tabs.
 *
 * Who may load it: on a loopback bind or a unix socket, anyone who reaches
 * the sidecar (the Host check against DNS rebinding still applies); the
 * page holds no data, and every API call it makes carries the token the
 * user gives it. Elsewhere the page itself needs the token: as a Bearer
 * header, or — since a browser cannot add a header to a navigation — as
 * the password of HTTP Basic auth, which the browser asks for once. Basic
 * is accepted on these static paths only, never on the API, so credentials
 * a browser attaches on its own can unlock nothing but the page.
 *
 * The paths are exact (no prefix, no wildcard), so they can be exempt from
 * the app's bearer check by exact match without opening anything else.
 */
import { Hono, type Context } from 'hono';
import type { SidecarEnv } from '../app-env.js';
import { SidecarError, problemResponse } from '../errors.js';
import { bearerToken, tokenMatcher } from '../middleware/auth.js';
import { requestHeader } from '../middleware/request-header.js';
import type { ConsoleAsset } from './console-assets.js';
import { CONSOLE_ASSETS, CONSOLE_PAGE, type ConsoleAssetName } from './console-manifest.js';
import { PAGE_HEADERS } from './page-headers.js';

export interface ConsoleOptions {
  /** The page loads without the token (loopback binds and unix sockets). */
  open: boolean;
  /** The sidecar's token, when it has one. */
  token?: string | undefined;
  /** Where the asset files are (tests). */
  assetsDir?: string | undefined;
}

/** What the app mounts: the routes, and the exact paths its bearer check leaves to them. */
export interface ConsoleMount {
  routes: Hono<SidecarEnv>;
  paths: readonly string[];
}

export const CONSOLE_PATH = '/console/';
const ALLOW = 'GET, HEAD';
const BASIC_CHALLENGE = 'Basic realm="Squire console", charset="UTF-8"';

/** Where each path leads: a file of the manifest, or (relative, so it works under a proxy's prefix) another address. */
type Target = { file: ConsoleAssetName } | { location: string; status: 302 | 308 };

export function consoleMount(options: ConsoleOptions): ConsoleMount {
  const targets = new Map<string, Target>([
    ['/console', { location: 'console/', status: 308 }],
    [CONSOLE_PATH, { file: CONSOLE_PAGE }],
    ...CONSOLE_ASSETS.map((file) => [`${CONSOLE_PATH}assets/${file}`, { file }] as const),
    ['/docs', { location: 'console/#docs', status: 302 }],
    ['/playground', { location: 'console/#try', status: 302 }],
  ]);
  const guard = !options.open && options.token !== undefined ? pageGuard(options.token) : undefined;
  // The file reader (and what it imports) loads on the first console request, not at start-up.
  let reader: Promise<(name: ConsoleAssetName) => Promise<ConsoleAsset>> | undefined;
  const read = async (name: ConsoleAssetName) => (await (reader ??= import('./console-assets.js').then((module) => module.consoleAssetReader(options.assetsDir))))(name);

  const paths = [...targets.keys()];
  const routes = new Hono<SidecarEnv>();
  routes.on('GET', paths, async function serveConsole(c) {
    const denied = guard?.(c);
    if (denied) return denied;
    const target = targets.get(c.req.path)!;
    if ('location' in target) return new Response(null, { status: target.status, headers: { ...PAGE_HEADERS, location: target.location } });
    const asset = await read(target.file);
    const headers = { ...PAGE_HEADERS, etag: asset.etag };
    if (requestHeader(c, 'if-none-match') === asset.etag) return new Response(null, { status: 304, headers });
    return new Response(asset.body, { status: 200, headers: { ...headers, 'content-type': asset.contentType } });
  });
  routes.on(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], paths, (c) => problemResponse(new SidecarError('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${ALLOW}`), { allow: ALLOW }));
  return { routes, paths };
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
