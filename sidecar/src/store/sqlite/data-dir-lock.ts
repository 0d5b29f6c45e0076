/**
 * @module
 * One sidecar process per data directory, for the process's whole life.
 *
 * The lock is an exclusive SQLite lock (`locking_mode = EXCLUSIVE`, taken by
 * a write and never released) on `<data-dir>/owner.lock`: a POSIX lock the
 * kernel drops the moment its holder dies, also by kill -9, and that no pid
 * reuse can fool (a container restarts its process as pid 1 again). The
 * holder's pid and agent go to `owner.json` beside it only to name the
 * holder in the refusal; the lock, not that file, decides.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreOpenError } from '../errors.js';
import type { StoreAgent } from '../store.js';

export const LOCK_FILE = 'owner.lock';
export const HOLDER_FILE = 'owner.json';

export interface DataDirLock {
  release(): void;
}

interface Holder {
  pid: number;
  agent: string;
  version: string;
  host: string;
  since: string;
}

export function lockDataDir(dataDir: string, agent: StoreAgent): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    // A write takes the exclusive lock; in this locking mode it is kept until close.
    const generation = (db.pragma('user_version', { simple: true }) as number) + 1;
    db.pragma(`user_version = ${generation % 2 ** 31}`);
  } catch (error) {
    db?.close();
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new StoreOpenError(
        `the data directory ${dataDir} is in use by another sidecar (${describeHolder(dataDir)}): a data directory belongs to one process at a time. Stop that process first, or give this one its own --data-dir (SQUIRE_DATA_DIR).`,
      );
    }
    throw new StoreOpenError(`${file}: cannot take the data directory's lock: ${(error as Error).message} (${code || 'error'})`);
  }
  const holder: Holder = { pid: process.pid, agent: agent.name, version: agent.version, host: hostname(), since: new Date().toISOString() };
  try {
    writeFileSync(join(dataDir, HOLDER_FILE), `${JSON.stringify(holder)}\n`);
  } catch {
    // Only used to name the holder in another process's refusal.
  }
  const held = db;
  return {
    release: () => {
      if (held.open) held.close();
    },
  };
}

function describeHolder(dataDir: string): string {
  try {
    const holder = JSON.parse(readFileSync(join(dataDir, HOLDER_FILE), 'utf8')) as Partial<Holder>;
    return `pid ${holder.pid ?? 'unknown'} on ${holder.host ?? 'this host'}, agent "${holder.agent ?? '?'}" ${holder.version ?? ''}, since ${holder.since ?? '?'}`.replace(/\s+,/g, ',');
  } catch {
    return 'holder unknown';
  }
}
