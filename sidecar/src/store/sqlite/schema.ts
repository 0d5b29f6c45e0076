/**
 * @module
 * Opening the SQLite files of a data directory: pragmas, versioned
 * migrations (`user_version`), an integrity check, and the agent the
 * directory belongs to. Every failure names the file and what to do, and
 * nothing is reset: a database this sidecar cannot use stops start-up.
 */
import Database from 'better-sqlite3';
import { StoreOpenError } from '../errors.js';
import type { StoreAgent } from '../store.js';

/** `runs.db`: runs, their events, idempotency keys; one entry per schema version. */
export const RUNS_MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     input TEXT NOT NULL,
     output TEXT,
     error TEXT,
     usage TEXT,
     session_id TEXT,
     metadata TEXT NOT NULL,
     attempt INTEGER NOT NULL DEFAULT 0,
     max_attempts INTEGER NOT NULL,
     timeout_ms INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     started_at INTEGER,
     finished_at INTEGER
   );
   CREATE INDEX runs_by_status ON runs(status, created_at, id);
   CREATE INDEX runs_by_creation ON runs(created_at, id);
   CREATE TABLE run_events (
     run_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (run_id, seq)
   ) WITHOUT ROWID;
   CREATE TABLE idempotency (
     scope TEXT NOT NULL,
     key TEXT NOT NULL,
     body_hash TEXT NOT NULL,
     run_id TEXT,
     status INTEGER,
     response TEXT,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (scope, key)
   ) WITHOUT ROWID;`,
  // Leases (owner, expiry, cancel requests), event types, and the agent the directory belongs to.
  `ALTER TABLE runs ADD COLUMN owner TEXT;
   ALTER TABLE runs ADD COLUMN lease_expires_at INTEGER;
   ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE run_events ADD COLUMN type TEXT;
   UPDATE run_events SET type = json_extract(data, '$.type');
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
  // Pauses for input (what is awaited, until when) and the step journal of each run.
  `ALTER TABLE runs ADD COLUMN awaiting TEXT;
   ALTER TABLE runs ADD COLUMN paused_until INTEGER;
   CREATE TABLE run_journal (
     run_id TEXT NOT NULL,
     pos INTEGER NOT NULL,
     key TEXT NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (run_id, pos)
   ) WITHOUT ROWID;
   CREATE UNIQUE INDEX run_journal_by_key ON run_journal(run_id, key);`,
];

/** `sessions.db`: conversation memory. */
export const SESSIONS_MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS sessions (
     id TEXT PRIMARY KEY,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE IF NOT EXISTS session_messages (
     session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     role TEXT NOT NULL,
     content TEXT NOT NULL,
     tokens INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (session_id, seq)
   );
   CREATE INDEX IF NOT EXISTS sessions_by_age ON sessions(updated_at);`,
];

/**
 * Opens `file` in WAL mode, migrates it and checks it. Fails here, not
 * later, on a file that is not a database, is corrupt, is newer than this
 * sidecar, or is locked by another process.
 */
export function openDatabase(file: string, migrations: readonly string[], pragmas: readonly string[]): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 2000 });
    db.pragma('journal_mode = WAL');
    for (const pragma of pragmas) db.pragma(pragma);
    migrate(db, file, migrations);
    const check = db.pragma('quick_check') as Array<{ quick_check: string }>;
    if (check[0]?.quick_check !== 'ok') {
      throw Object.assign(new Error(check.map((row) => row.quick_check).join('; ')), { code: 'SQLITE_CORRUPT' });
    }
    // Take the write lock once, so a file another process holds fails now.
    db.exec('BEGIN IMMEDIATE; ROLLBACK;');
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof StoreOpenError) throw error;
    const code = (error as { code?: string }).code ?? '';
    const hint =
      code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
        ? 'the file is not a valid database: restore it from a backup or move it away to start empty (its runs would be lost)'
        : code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
          ? 'another process holds a lock on it: stop it, or give this sidecar its own --data-dir'
          : (error as Error).message;
    throw new StoreOpenError(`${file}: ${hint} (${code || 'error'})`);
  }
}

function migrate(db: Database.Database, file: string, migrations: readonly string[]): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new StoreOpenError(`${file}: written by a newer sidecar (schema ${version}, this one knows ${migrations.length}); run that version, or restore a backup`);
  }
  for (let next = version; next < migrations.length; next += 1) {
    db.transaction(() => {
      db.exec(migrations[next]!);
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
}

/**
 * Records the agent a data directory belongs to, the first time; refuses
 * another agent's. A later version of the same agent takes over.
 */
export function bindAgent(db: Database.Database, dataDir: string, agent: StoreAgent): void {
  const get = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const owner = get.get('agent')?.value;
  if (owner !== undefined && owner !== agent.name) {
    const version = get.get('agent_version')?.value;
    throw new StoreOpenError(
      `the data directory ${dataDir} holds the state of agent "${owner}"${version ? ` (version ${version})` : ''}, not of "${agent.name}": each agent needs its own data directory. Pass another --data-dir (SQUIRE_DATA_DIR), or leave it unset to use the per-agent default .squire-data/${agent.name}.`,
    );
  }
  const put = db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  db.transaction(() => {
    put.run('agent', agent.name);
    put.run('agent_version', agent.version);
  })();
}
