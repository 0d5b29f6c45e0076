/**
 * @module
 * The embedded store: SQLite files in one data directory that one sidecar
 * process owns for its whole life — `owner.lock` (the lock), `runs.db`
 * (runs, events, idempotency keys; WAL, `synchronous = FULL` for what is
 * acknowledged, group commit) and `sessions.db` (session memory). Opening
 * takes the lock first, so nothing of another live process's state is ever
 * touched, then refuses a directory that belongs to another agent.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { StoreOpenError } from '../errors.js';
import type { Store, StoreAgent } from '../store.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { EventRows, SqliteRunEvents } from './events.js';
import { GroupCommit } from './group-commit.js';
import { JournalRows, SqliteJournal } from './journal.js';
import { SqliteKeys } from './keys.js';
import { LocalWakes } from '../local-wakes.js';
import { SqliteRuns } from './runs.js';
import { RUNS_MIGRATIONS, SESSIONS_MIGRATIONS, bindAgent, openDatabase } from './schema.js';
import { SqliteSessions } from './sessions.js';
import { direct } from './sqlite-errors.js';

export interface SqliteStoreOptions {
  dataDir: string;
  agent: StoreAgent;
}

export class SqliteStore implements Store {
  readonly owner = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  readonly runs: SqliteRuns;
  readonly events: SqliteRunEvents;
  readonly journal: SqliteJournal;
  readonly keys: SqliteKeys;
  readonly sessions: SqliteSessions;
  private readonly writer: GroupCommit;
  private closed = false;

  constructor(
    /** The open connections: for operators' tools and for tests that cut them. */
    readonly databases: { readonly runs: Database.Database; readonly sessions: Database.Database },
    private readonly lock: DataDirLock,
  ) {
    const wakes = new LocalWakes();
    const rows = new EventRows(databases.runs);
    const journal = new JournalRows(databases.runs);
    this.writer = new GroupCommit(databases.runs);
    this.runs = new SqliteRuns(databases.runs, rows, journal, this.writer, wakes, this.owner);
    this.events = new SqliteRunEvents(databases.runs, rows, this.writer, wakes);
    this.journal = new SqliteJournal(databases.runs, journal, this.writer);
    this.keys = new SqliteKeys(databases.runs, this.writer);
    this.sessions = new SqliteSessions(databases.sessions);
  }

  ping(): Promise<void> {
    return direct('answer', () => {
      this.databases.runs.prepare('SELECT 1').get();
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    try {
      this.writer.close();
    } finally {
      for (const db of [this.databases.runs, this.databases.sessions]) if (db.open) db.close();
      this.lock.release();
    }
    return Promise.resolve();
  }
}

/** Opens (creating it if needed) the store in `dataDir`; throws `StoreOpenError` saying what to do. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  try {
    mkdirSync(options.dataDir, { recursive: true });
  } catch (error) {
    throw new StoreOpenError(`cannot create the data directory ${options.dataDir}: ${(error as Error).message}`);
  }
  const lock = lockDataDir(options.dataDir, options.agent);
  const opened: Database.Database[] = [];
  try {
    const runs = openDatabase(join(options.dataDir, 'runs.db'), RUNS_MIGRATIONS, ['synchronous = FULL']);
    opened.push(runs);
    bindAgent(runs, options.dataDir, options.agent);
    const sessions = openDatabase(join(options.dataDir, 'sessions.db'), SESSIONS_MIGRATIONS, ['synchronous = NORMAL', 'foreign_keys = ON']);
    opened.push(sessions);
    // Past start-up, a write that waits longer for a lock is better answered 503.
    for (const db of opened) db.pragma('busy_timeout = 1000');
    return new SqliteStore({ runs, sessions }, lock);
  } catch (error) {
    for (const db of opened) db.close();
    lock.release();
    throw error;
  }
}
