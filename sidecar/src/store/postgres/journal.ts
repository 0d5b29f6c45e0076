/**
 * @module
 * The step journal in PostgreSQL (`squire_run_journal`, one row per step,
 * numbered in the order recorded, one row per key). A record is guarded by
 * the attempt's lease, checked under a lock on the run's row in the same
 * transaction, so a replica that lost its lease records nothing; it resolves
 * once committed, so the next step starts only when a crash can no longer
 * take this one back.
 */
import type { JournalEntry, Lease, RunJournalStore } from '../store.js';
import type { Database } from './database.js';
import { insertJournal } from './run-rows.js';

export class PostgresJournal implements RunJournalStore {
  constructor(private readonly db: Database) {}

  record(lease: Lease, entry: JournalEntry): Promise<boolean> {
    return this.db.transaction('record a step of a run', async (client) => {
      const held = await client.query("SELECT 1 FROM squire_runs WHERE id = $1 AND status = 'running' AND owner = $2 AND attempt = $3 FOR UPDATE", [lease.runId, lease.owner, lease.attempt]);
      if (held.rowCount !== 1) return false;
      await insertJournal(client, lease.runId, entry);
      return true;
    });
  }

  async read(runId: string): Promise<JournalEntry[]> {
    const { rows } = await this.db.query<JournalEntry>('read the journal of a run', 'SELECT key, data FROM squire_run_journal WHERE run_id = $1 ORDER BY pos', [runId]);
    return rows;
  }
}
