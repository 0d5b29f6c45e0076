/**
 * @module
 * Rows of `squire_runs` as the store's records, and the SQL that several
 * PostgreSQL store modules share (event inserts, next sequence numbers).
 */
import { toRunRecord, type StoredRunRow } from '../run-row.js';
import type { JournalEntry, StoredEvent } from '../store.js';
import type { Queryable } from './database.js';

export type RunRow = StoredRunRow;
export { toRunRecord as toRecord };

export const RECORD_COLUMNS = 'id, status, input, output, error, usage, session_id, metadata, attempt, max_attempts, created_at, started_at, finished_at, awaiting';

export const FINISHED = "('succeeded','failed','cancelled','timed_out')";

/** Inserts events of several runs in one statement (the caller notifies their followers after the commit). */
export async function insertEvents(client: Queryable, rows: ReadonlyArray<{ runId: string; event: StoredEvent }>): Promise<void> {
  if (rows.length === 0) return;
  await client.query('INSERT INTO squire_run_events (run_id, seq, type, data) SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[])', [
    rows.map((row) => row.runId),
    rows.map((row) => row.event.seq),
    rows.map((row) => row.event.type),
    rows.map((row) => row.event.data),
  ]);
}

/** The next `seq` of each run, read inside the caller's transaction (the runs are locked by it). */
export async function nextSeqs(client: Queryable, runIds: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await client.query<{ run_id: string; next: number }>(
    'SELECT id AS run_id, COALESCE((SELECT MAX(seq) FROM squire_run_events e WHERE e.run_id = r.id), 0) + 1 AS next FROM unnest($1::text[]) AS r(id)',
    [runIds],
  );
  return new Map(rows.map((row) => [row.run_id, row.next]));
}

/**
 * Appends a step to a run's journal, numbered after the last; a key already
 * recorded keeps its first data. Inside the caller's transaction, whose lock
 * on the run's row keeps two inserts for one run from taking the same number.
 */
export async function insertJournal(client: Queryable, runId: string, entry: JournalEntry): Promise<void> {
  await client.query(
    'INSERT INTO squire_run_journal (run_id, pos, key, data) SELECT $1, COALESCE(MAX(pos), 0) + 1, $2, $3 FROM squire_run_journal WHERE run_id = $1 ON CONFLICT DO NOTHING',
    [runId, entry.key, entry.data],
  );
}
