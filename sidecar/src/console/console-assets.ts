/**
 * @module
 * The console's static files. The manifest below is the only set of names
 * served: no part of a request path ever reaches the file system, so there
 * is nothing to traverse. Each file is read on the first request for it and
 * then kept (the whole set is a few dozen KiB): a sidecar whose console is
 * never opened never reads them, and start-up and idle memory stay as they
 * were without a console.
 *
 * The SSE decoder is the SDK's own (`@squire/client/sse-decoder`, a pure
 * module with no imports), served as it is, so the browser and the SDK read
 * event streams with the same code.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page itself, served at `/console/`. */
export const CONSOLE_PAGE = 'index.html';

/** Files served under `/console/assets/`, besides the page. The build copies the local ones into `dist`. */
export const CONSOLE_ASSETS = [
  'console.css',
  'icon.svg',
  'console.js',
  'api.js',
  'dom.js',
  'token.js',
  'tabs.js',
  'form-model.js',
  'form-view.js',
  'openapi-model.js',
  'agent-panel.js',
  'try-panel.js',
  'event-log.js',
  'runs-panel.js',
  'run-detail.js',
  'docs-panel.js',
  'schema-view.js',
  'sse-decoder.js',
] as const;

export type ConsoleAssetName = typeof CONSOLE_PAGE | (typeof CONSOLE_ASSETS)[number];

/** Assets that come from another package: name → module specifier. */
export const PACKAGE_ASSETS: Readonly<Partial<Record<ConsoleAssetName, string>>> = {
  'sse-decoder.js': '@squire/client/sse-decoder',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface ConsoleAsset {
  body: Uint8Array;
  contentType: string;
  /** A strong validator of the bytes, for `If-None-Match`. */
  etag: string;
}

/** Where the local assets sit: next to this module, in `src` and in `dist` alike. */
export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

/** Reads each asset once, on its first request, and keeps it. */
export function consoleAssetReader(dir: string = ASSETS_DIR): (name: ConsoleAssetName) => Promise<ConsoleAsset> {
  const cache = new Map<ConsoleAssetName, Promise<ConsoleAsset>>();
  return (name) => {
    let asset = cache.get(name);
    if (!asset) {
      asset = readAsset(dir, name);
      // A failed read (a broken install) is retried on the next request rather than kept.
      asset.catch(() => cache.delete(name));
      cache.set(name, asset);
    }
    return asset;
  };
}

async function readAsset(dir: string, name: ConsoleAssetName): Promise<ConsoleAsset> {
  const specifier = PACKAGE_ASSETS[name];
  const path = specifier ? createRequire(import.meta.url).resolve(specifier) : `${dir}${name}`;
  let text = await readFile(path, 'utf8');
  // The source map is not served: a browser's developer tools would ask for it and get a 404.
  if (specifier) text = text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  const body = new TextEncoder().encode(text);
  return {
    body,
    contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}
