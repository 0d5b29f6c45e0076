#!/usr/bin/env node
/**
 * @module
 * Trims a production install of the sidecar (`pnpm deploy --prod --legacy`)
 * to what runs, for the image's final stage; the Dockerfile and
 * test/e2e/production-image.test.ts both run it, so the test checks what the
 * image holds.
 *
 * - better-sqlite3 keeps its compiled addon and JS; its C sources, object
 *   files and build scripts go, and so does prebuild-install (install-time only).
 * - tsx (and esbuild under it) go when this Node strips TypeScript itself
 *   (≥ 22.18, the image's 24): agents load through Node's type stripping.
 * - Type declarations, TypeScript sources, source maps and Markdown go; licences stay.
 * - A link `node_modules/@squire/sidecar` → the app, so an agent project
 *   under /app/agents/<name>/ imports `@squire/sidecar` and `zod` from the
 *   image (the very instances the sidecar runs) and only its own
 *   dependencies from its own node_modules.
 *
 * Packages nothing reachable depends on any more are removed whole: the
 * pnpm store under node_modules/.pnpm is walked from the app's dependencies.
 *
 *   node scripts/prune-image.mjs <app-dir>
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

const app = process.argv[2];
if (!app || !existsSync(join(app, 'package.json'))) {
  process.stderr.write('usage: node scripts/prune-image.mjs <app-dir>  (a pnpm deploy of @squire/sidecar)\n');
  process.exit(2);
}
const modules = join(app, 'node_modules');
const store = join(modules, '.pnpm');
const stripsTypes = Boolean(process.features.typescript);
const dropped = new Set(['prebuild-install', ...(stripsTypes ? ['tsx'] : [])]);

/** Package directories under a node_modules dir (scoped ones included), by name. */
function packagesIn(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    if (entry.startsWith('.')) return [];
    if (entry.startsWith('@')) return readdirSync(join(dir, entry)).map((name) => ({ name: `${entry}/${name}`, path: join(dir, entry, name) }));
    return [{ name: entry, path: join(dir, entry) }];
  });
}

/** The store entry (`.pnpm/<id>`) a package's real path lives in. */
function storeEntry(realPath) {
  const inside = relative(store, realPath);
  return inside.startsWith('..') ? undefined : inside.split(sep)[0];
}

// Walk from the app's own dependencies through each entry's sibling links.
const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
const reachable = new Set();
const queue = Object.keys(manifest.dependencies ?? {})
  .filter((name) => !dropped.has(name))
  .map((name) => join(modules, name));
while (queue.length > 0) {
  const path = queue.pop();
  if (!existsSync(path)) continue;
  const entry = storeEntry(realpathSync(path));
  if (!entry || reachable.has(entry)) continue;
  reachable.add(entry);
  for (const dependency of packagesIn(join(store, entry, 'node_modules'))) if (!dropped.has(dependency.name)) queue.push(dependency.path);
}
for (const entry of readdirSync(store)) {
  if (entry !== 'node_modules' && !entry.endsWith('.yaml') && !reachable.has(entry)) rmSync(join(store, entry), { recursive: true, force: true });
}

// Links left dangling (top level, .bin, the store's hoisted links, each kept
// package's links to its dependencies) go too, and
// so do links out of the app: pnpm's legacy deploy hoists one to the workspace's
// own package dir, which the image does not have.
const appRoot = realpathSync(app);
function removeStrayLinks(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) {
      const target = existsSync(path) ? realpathSync(path) : undefined;
      if (!target || (target !== appRoot && !target.startsWith(appRoot + sep))) rmSync(path, { force: true });
    } else if (stat.isDirectory() && (entry.startsWith('@') || entry === '.bin')) {
      removeStrayLinks(path);
    }
  }
}
removeStrayLinks(modules);
removeStrayLinks(join(store, 'node_modules'));
for (const entry of reachable) removeStrayLinks(join(store, entry, 'node_modules')); // e.g. better-sqlite3 → prebuild-install

// better-sqlite3: the addon and its loader are all it needs at run time.
for (const entry of readdirSync(store).filter((name) => name.startsWith('better-sqlite3@'))) {
  const pkg = join(store, entry, 'node_modules/better-sqlite3');
  for (const leftover of ['deps', 'src', 'binding.gyp']) rmSync(join(pkg, leftover), { recursive: true, force: true });
  const build = join(pkg, 'build');
  for (const item of readdirSync(build)) if (item !== 'Release') rmSync(join(build, item), { recursive: true, force: true });
  for (const item of readdirSync(join(build, 'Release'))) if (item !== 'better_sqlite3.node') rmSync(join(build, 'Release', item), { recursive: true, force: true });
}

// Files nothing loads at run time: Node never executes TypeScript inside node_modules.
const UNUSED = /\.(d\.[cm]?ts|[cm]?ts|tsx|map|md|markdown)$/i;
const KEEP = /^(licen[cs]e|notice|copying)/i;
function removeUnusedFiles(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = lstatSync(path);
    if (stat.isDirectory()) removeUnusedFiles(path);
    else if (stat.isFile() && UNUSED.test(entry) && !KEEP.test(entry)) rmSync(path);
  }
}
removeUnusedFiles(store);
removeUnusedFiles(join(app, 'dist'));

// Agents in their own projects import @squire/sidecar from the image.
const self = join(modules, '@squire/sidecar');
mkdirSync(dirname(self), { recursive: true });
if (!existsSync(self)) symlinkSync(relative(dirname(self), app) || '..', self);
if (realpathSync(self) !== appRoot) throw new Error(`${self} does not lead to ${app}`);

process.stdout.write(`pruned ${basename(app)}: ${reachable.size} packages kept; dropped ${[...dropped].join(', ')}${stripsTypes ? ' (Node strips TypeScript types itself)' : ''}\n`);
