/**
 * @module
 * What the app mounts for the console: the page at `/console/`, its files
 * under `/console/assets/`, and `/docs` and `/playground` (where people look
 * for such a page) leading to its API and Try tabs.
 *
 * Only this module loads at start-up, and it holds no more than names: the
 * handler (`console-handler.ts`) and the file reader load on the first
 * console request, so a sidecar whose console is never opened starts and
 * idles as one without it.
 *
 * The console decides who may load it (see the handler), so the app's
 * bearer check leaves its paths to it: exact paths, no prefix and no
 * wildcard, so nothing else is opened — `/console/assets/../../v1/agent`
 * is not one of them and still needs the token.
 */
import type { Handler } from 'hono';
import type { SidecarEnv } from '../app-env.js';
import { lazyHandler } from '../protocols/protocol.js';
import { CONSOLE_ASSETS, CONSOLE_PAGE, type ConsoleAssetName } from './console-manifest.js';

export interface ConsoleOptions {
  /** The page loads without the token (loopback binds and unix sockets). */
  open: boolean;
  /** The sidecar's token, when it has one. */
  token?: string | undefined;
  /** Where the asset files are (tests). */
  assetsDir?: string | undefined;
}

export interface ConsoleMount {
  /** Route patterns, each for every method (the handler answers 405 but to GET and HEAD). */
  patterns: readonly string[];
  /** Every exact path served, which the app's bearer check leaves to the handler. */
  paths: readonly string[];
  handler: Handler<SidecarEnv>;
}

export const CONSOLE_PATH = '/console/';

/** A file of the manifest, or (relative, so it works under a proxy's prefix) another address. */
export type ConsoleTarget = { file: ConsoleAssetName } | { location: string; status: 302 | 308 };

/** Where each exact path leads. */
export const CONSOLE_TARGETS: ReadonlyMap<string, ConsoleTarget> = new Map<string, ConsoleTarget>([
  ['/console', { location: 'console/', status: 308 }],
  [CONSOLE_PATH, { file: CONSOLE_PAGE }],
  ...CONSOLE_ASSETS.map((file): [string, ConsoleTarget] => [`${CONSOLE_PATH}assets/${file}`, { file }]),
  ['/docs', { location: 'console/#docs', status: 302 }],
  ['/playground', { location: 'console/#try', status: 302 }],
]);

export function consoleMount(options: ConsoleOptions): ConsoleMount {
  return {
    // Five patterns rather than a route per file: the router stays as small as it was.
    patterns: ['/console', CONSOLE_PATH, `${CONSOLE_PATH}assets/:file`, '/docs', '/playground'],
    paths: [...CONSOLE_TARGETS.keys()],
    handler: lazyHandler(async () => (await import('./console-handler.js')).consoleHandler(options)),
  };
}
