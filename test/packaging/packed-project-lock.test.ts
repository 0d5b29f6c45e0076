/**
 * The packed-project cache is shared by several test files at once. A waiter
 * that takes the lock just after the builder released it must not build the
 * entry again: the rebuild replaced the directory under a running tsc (a CI
 * failure on Node 24, where every test file found the cache empty).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { acquire } from '../helpers/packed-project.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('does not build again an entry finished while it waited', async () => {
  dir = mkdtempSync(join(tmpdir(), 'squire-packed-lock-'));
  const root = join(dir, 'entry');
  const lock = `${root}.lock`;
  mkdirSync(lock);
  const waiter = acquire(lock, root);
  // The builder finishes during the waiter's sleep: entry complete, lock released.
  mkdirSync(root);
  writeFileSync(join(root, '.complete'), 'done');
  rmSync(lock, { recursive: true });
  expect(await waiter).toBe(false);
});

it('takes a free lock on an entry nobody built', async () => {
  dir = mkdtempSync(join(tmpdir(), 'squire-packed-lock-'));
  const root = join(dir, 'entry');
  expect(await acquire(`${root}.lock`, root)).toBe(true);
});
