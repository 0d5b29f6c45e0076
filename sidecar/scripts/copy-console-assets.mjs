// Build step after tsc: copies the console's page and assets (plain ES
// modules, CSS, no build of their own) next to the compiled routes, exactly
// the files the manifest names, and fails the build if one is missing.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

const { CONSOLE_ASSETS, CONSOLE_PAGE, PACKAGE_ASSETS } = await import('../dist/console/console-manifest.js');
const { ASSETS_DIR } = await import('../dist/console/console-assets.js');
const source = new URL('../src/console/assets/', import.meta.url);

rmSync(ASSETS_DIR, { recursive: true, force: true });
mkdirSync(ASSETS_DIR, { recursive: true });
for (const name of [CONSOLE_PAGE, ...CONSOLE_ASSETS]) {
  if (PACKAGE_ASSETS[name] === undefined) copyFileSync(new URL(name, source), `${ASSETS_DIR}${name}`);
}
