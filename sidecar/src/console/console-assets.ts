/**
 * @module
 * The console's files as responses: each read on the first request for it
 * and then kept (the whole set is a few dozen KiB), with its content type
 * and a validator. The routes import this module on the first console
 * request, so a sidecar whose console is never opened neither loads it nor
 * reads a file: start-up and idle memory stay as they were.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ASSETS, type ConsoleAssetName } from './console-manifest.js';

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
