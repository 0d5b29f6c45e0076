/**
 * Issue 12: the install of a fresh clone printed 16 `WARN Failed to create
 * bin … ENOENT …/dist/cli.js`, because both packages' `bin` pointed into
 * `dist/`, which exists only after a build. The bins are now committed shims.
 * This installs a copy of the checkout's files (tracked and new, never
 * node_modules or dist) from the store the suite's own install filled, and
 * expects pnpm to have nothing to warn about.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { npmEnv } from '../helpers/packed-project.js';
import { REPO_ROOT } from '../helpers/spawn-sidecar.js';

const clone = mkdtempSync(join(tmpdir(), 'squire-clone-'));
afterAll(() => rmSync(clone, { recursive: true, force: true }));

it('installs a fresh checkout without a warning', () => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    mkdirSync(join(clone, dirname(file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(clone, file), { errorOnExist: false, force: true });
  }
  // Build scripts are not what this is about (and would compile better-sqlite3 again on Node 24).
  const install = spawnSync('npx', ['-y', 'pnpm@10', 'install', '--frozen-lockfile', '--offline', '--ignore-scripts'], { cwd: clone, env: npmEnv(), encoding: 'utf8', timeout: 180_000 });
  expect(install.status, install.stdout + install.stderr).toBe(0);
  expect((install.stdout + install.stderr).split('\n').filter((line) => /\bWARN\b/.test(line))).toEqual([]);
}, 200_000);
