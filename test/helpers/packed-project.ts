/**
 * An agent project made the way a user makes one, outside the workspace:
 * `pnpm pack` of both packages, `squire create demo-agent`, then plain
 * `npm install` with the two tarballs in place of the registry versions.
 * The pack, CLI and scaffold tests share it.
 *
 * The install compiles better-sqlite3 (about two minutes here), so it is
 * cached under node_modules/.cache/squire-packed/, keyed by the tarballs'
 * content and the Node ABI: a re-run with the same build reuses it. A new
 * build starts from the last install for the same ABI (its node_modules
 * copied in first), so npm replaces the two packages and compiles nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './spawn-sidecar.js';

const CACHE = join(REPO_ROOT, 'node_modules/.cache/squire-packed');
const PROJECT = 'demo-agent';
const LOCK_STALE_MS = 15 * 60_000;

export interface PackedProject {
  /** The cache entry: `tarballs/` and the project. */
  root: string;
  /** The scaffolded, installed project (`squire create demo-agent`). */
  project: string;
  tarballs: { client: string; sidecar: string };
  /** Path of an installed bin (`node_modules/.bin/<name>`). */
  bin(name: 'squire' | 'squire-sidecar' | 'tsc'): string;
  /** True when this call ran `npm install` (false: a cache hit). */
  installed: boolean;
}

/** The environment npm runs in: this machine's, without what pnpm or vitest set for themselves. */
export function npmEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|pnpm_|PNPM_|VITEST|SQUIRE_|NODE_OPTIONS$)/.test(key)) continue;
    env[key] = value;
  }
  // Node 24 runs (scripts/with-node24.sh) point node-gyp at Node 24's headers this way.
  if (process.env.npm_config_nodedir) env.npm_config_nodedir = process.env.npm_config_nodedir;
  return { ...env, ...extra };
}

export function npm(args: string[], cwd: string, timeout = 600_000): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: npmEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout });
}

/** Packs both packages into `dir`; returns the tarball paths. */
export function packPackages(dir: string): { client: string; sidecar: string } {
  const pack = (pkg: string) => {
    const before = new Set(readdirSync(dir));
    execFileSync('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', dir], { cwd: join(REPO_ROOT, pkg), stdio: 'pipe', timeout: 120_000 });
    const made = readdirSync(dir).find((name) => !before.has(name) && name.endsWith('.tgz'));
    if (!made) throw new Error(`pnpm pack of ${pkg} made no tarball in ${dir}`);
    return join(dir, made);
  };
  return { client: pack('client-sdk'), sidecar: pack('sidecar') };
}

export async function packedProject(): Promise<PackedProject> {
  mkdirSync(CACHE, { recursive: true });
  const packDir = mkdtempSync(join(CACHE, 'pack-'));
  let packed: { client: string; sidecar: string };
  try {
    packed = packPackages(packDir);
  } catch (error) {
    rmSync(packDir, { recursive: true, force: true });
    throw error;
  }
  const abi = `node-abi${process.versions.modules}-${process.platform}-${process.arch}`;
  const hash = createHash('sha256');
  for (const tarball of [packed.client, packed.sidecar]) hash.update(readFileSync(tarball));
  const key = `${abi}-${hash.digest('hex').slice(0, 16)}`;
  const root = join(CACHE, key);
  const result = (installed: boolean): PackedProject => ({
    root,
    project: join(root, PROJECT),
    tarballs: { client: join(root, 'tarballs/squire-client.tgz'), sidecar: join(root, 'tarballs/squire-sidecar.tgz') },
    bin: (name) => join(root, PROJECT, 'node_modules/.bin', name),
    installed,
  });
  try {
    if (existsSync(join(root, '.complete'))) return result(false);
    const lock = `${root}.lock`;
    if (!(await acquire(lock, root))) return result(false);
    try {
      build(root, abi, packed);
      return result(true);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}

/** Takes the lock (true), or waits for whoever holds it to finish the same entry (false). */
export async function acquire(lock: string, root: string): Promise<boolean> {
  for (;;) {
    try {
      mkdirSync(lock);
    } catch {
      if (existsSync(join(root, '.complete'))) return false;
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    // The holder may have finished between our failed attempt and this one: building
    // again would replace the directory under the tests already using it.
    if (!existsSync(join(root, '.complete'))) return true;
    rmSync(lock, { recursive: true, force: true });
    return false;
  }
}

function build(root: string, abi: string, packed: { client: string; sidecar: string }): void {
  const work = `${root}.tmp`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'tarballs'), { recursive: true });
  cpSync(packed.client, join(work, 'tarballs/squire-client.tgz'));
  cpSync(packed.sidecar, join(work, 'tarballs/squire-sidecar.tgz'));
  const project = join(work, PROJECT);
  execFileSync(process.execPath, [join(REPO_ROOT, 'client-sdk/dist/cli.js'), 'create', PROJECT, '--dir', project], { stdio: 'pipe' });
  // What a user with the two tarballs (and no registry copy of them) would do.
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  manifest.devDependencies['@squire/client'] = 'file:../tarballs/squire-client.tgz';
  manifest.devDependencies['@squire/sidecar'] = 'file:../tarballs/squire-sidecar.tgz';
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const seed = lastComplete(abi);
  if (seed) cpSync(join(seed, PROJECT, 'node_modules'), join(project, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  npm(['install'], project);
  writeFileSync(join(work, '.complete'), new Date().toISOString());
  rmSync(root, { recursive: true, force: true });
  renameSync(work, root);
  for (const old of completeEntries(abi).slice(0, -2)) rmSync(old, { recursive: true, force: true });
}

/** Finished entries for this ABI, oldest first. */
function completeEntries(abi: string): string[] {
  return readdirSync(CACHE)
    .filter((name) => name.startsWith(`${abi}-`) && !name.includes('.') && existsSync(join(CACHE, name, '.complete')))
    .map((name) => join(CACHE, name))
    .sort((a, b) => statSync(join(a, '.complete')).mtimeMs - statSync(join(b, '.complete')).mtimeMs);
}

function lastComplete(abi: string): string | undefined {
  return completeEntries(abi).at(-1);
}
