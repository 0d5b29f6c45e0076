/**
 * @module
 * The tables of a PostgreSQL store (all named `squire_*`, so the database
 * may hold other things too) and their versioned migrations. Replicas
 * starting together migrate one at a time under an advisory lock: the first
 * applies what is missing, the others find it applied. A database written
 * by a newer sidecar, or holding another agent's state, stops start-up with
 * a message that says what to do.
 */
import type pg from 'pg';
import { StoreOpenError } from '../errors.js';
import type { StoreAgent } from '../store.js';

/** One entry per schema version; never edit a released one, append. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE squire_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE squire_runs (
     id TEXT COLLATE "C" PRIMARY KEY,
     status TEXT NOT NULL,
     input TEXT NOT NULL,
     output TEXT,
     error TEXT,
     usage TEXT,
     session_id TEXT,
     metadata TEXT NOT NULL,
     attempt INTEGER NOT NULL DEFAULT 0,
     max_attempts INTEGER NOT NULL,
     timeout_ms BIGINT NOT NULL,
     created_at BIGINT NOT NULL,
     started_at BIGINT,
     finished_at BIGINT,
     owner TEXT,
     lease_expires_at BIGINT,
     cancel_requested BOOLEAN NOT NULL DEFAULT false
   );
   CREATE INDEX squire_runs_queued ON squire_runs (created_at, id) WHERE status = 'queued';
   CREATE INDEX squire_runs_leases ON squire_runs (lease_expires_at) WHERE status = 'running';
   CREATE INDEX squire_runs_by_creation ON squire_runs (created_at, id);
   CREATE INDEX squire_runs_by_status ON squire_runs (status, created_at, id);
   CREATE INDEX squire_runs_finished ON squire_runs (finished_at) WHERE finished_at IS NOT NULL;
   CREATE TABLE squire_run_events (
     run_id TEXT COLLATE "C" NOT NULL,
     seq INTEGER NOT NULL,
     type TEXT NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (run_id, seq)
   );
   CREATE TABLE squire_idempotency (
     scope TEXT COLLATE "C" NOT NULL,
     key TEXT COLLATE "C" NOT NULL,
     body_hash TEXT NOT NULL,
     run_id TEXT,
     status INTEGER,
     response TEXT,
     expires_at BIGINT NOT NULL,
     holder TEXT,
     held_until BIGINT,
     PRIMARY KEY (scope, key)
   );
   CREATE INDEX squire_idempotency_expiry ON squire_idempotency (expires_at);
   CREATE TABLE squire_sessions (
     id TEXT COLLATE "C" PRIMARY KEY,
     updated_at BIGINT NOT NULL
   );
   CREATE INDEX squire_sessions_by_age ON squire_sessions (updated_at);
   CREATE TABLE squire_session_messages (
     session_id TEXT COLLATE "C" NOT NULL REFERENCES squire_sessions (id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     role TEXT NOT NULL,
     content TEXT NOT NULL,
     tokens INTEGER NOT NULL,
     created_at BIGINT NOT NULL,
     PRIMARY KEY (session_id, seq)
   );`,
  // Pauses for input (what is awaited, until when) and the step journal of each run.
  `ALTER TABLE squire_runs ADD COLUMN awaiting TEXT;
   ALTER TABLE squire_runs ADD COLUMN paused_until BIGINT;
   CREATE INDEX squire_runs_paused ON squire_runs (paused_until) WHERE status = 'input_required';
   CREATE TABLE squire_run_journal (
     run_id TEXT COLLATE "C" NOT NULL,
     pos INTEGER NOT NULL,
     key TEXT COLLATE "C" NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (run_id, pos),
     UNIQUE (run_id, key)
   );`,
];

/** The advisory lock key under which replicas migrate one at a time ("squire" in ASCII). */
const MIGRATION_LOCK = 0x737175697265;

/** Applies the missing migrations and binds the database to `agent`; throws `StoreOpenError` saying what to do. */
export async function prepareSchema(client: pg.ClientBase, where: string, agent: StoreAgent): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS squire_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM squire_migrations');
    const version = rows[0]?.version ?? 0;
    if (version > MIGRATIONS.length) {
      throw new StoreOpenError(`${where}: written by a newer sidecar (schema ${version}, this one knows ${MIGRATIONS.length}); run that version, or restore a backup`);
    }
    for (let next = version; next < MIGRATIONS.length; next += 1) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[next]!);
        await client.query('INSERT INTO squire_migrations (version) VALUES ($1)', [next + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    await bindAgent(client, where, agent);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
  }
}

/** Records the agent the database belongs to, the first time; refuses another agent's. A later version of the same agent takes over. */
async function bindAgent(client: pg.ClientBase, where: string, agent: StoreAgent): Promise<void> {
  const { rows } = await client.query<{ key: string; value: string }>("SELECT key, value FROM squire_meta WHERE key IN ('agent', 'agent_version')");
  const owner = rows.find((row) => row.key === 'agent')?.value;
  if (owner !== undefined && owner !== agent.name) {
    const version = rows.find((row) => row.key === 'agent_version')?.value;
    throw new StoreOpenError(
      `${where} holds the state of agent "${owner}"${version ? ` (version ${version})` : ''}, not of "${agent.name}": each agent needs its own database. Point --store (SQUIRE_STORE_URL) at another database.`,
    );
  }
  await client.query(
    "INSERT INTO squire_meta (key, value) VALUES ('agent', $1), ('agent_version', $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
    [agent.name, agent.version],
  );
}
