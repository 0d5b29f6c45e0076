/**
 * @module
 * This package's own package.json, read where it is installed: the version
 * `squire --version` prints and `squire create` pins (the sidecar's too, as
 * the two are released in step), and the zod range the scaffold shares.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface OwnManifest {
  version: string;
  dependencies: { zod: string };
}

export function ownManifest(): OwnManifest {
  // dist/cli/own-manifest.js → package.json, in the workspace and when installed alike.
  return JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as OwnManifest;
}
