/**
 * @module
 * The step journal in SQLite (`run_journal`, one row per step, numbered in
 * the order recorded, one row per key). Records are guarded by the attempt's
 * lease and committed durably (fsync) before they resolve: the next step of
 * a run starts only once a crash can no longer take this one back.
 */
import type Database from 'better-sqlite3';
import type { JournalEntry, Lease, RunJournalStore } from '../store.js';
import type { GroupCommit } from './group-commit.js';
import { direct } from './sqlite-errors.js';

/** The statements on `run_journal` that the runs module uses inside its own transactions too. */
export class JournalRows {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      insert: db.prepare<[string, string, string, string]>(
        'INSERT INTO run_journal (run_id, pos, key, data) SELECT ?, COALESCE(MAX(pos), 0) + 1, ?, ? FROM run_journal WHERE run_id = ? ON CONFLICT DO NOTHING',
      ),
      read: db.prepare<[string], JournalEntry>('SELECT key, data FROM run_journal WHERE run_id = ? ORDER BY pos'),
    };
  }

  insert(runId: string, entry: JournalEntry): void {
    this.statements.insert.run(runId, entry.key, entry.data, runId);
  }

  read(runId: string): JournalEntry[] {
    return this.statements.read.all(runId);
  }
}

export class SqliteJournal implements RunJournalStore {
  private readonly holdsLease;

  constructor(
    db: Database.Database,
    private readonly rows: JournalRows,
    private readonly writer: GroupCommit,
  ) {
    this.holdsLease = db.prepare<[string, string, number], { one: number }>("SELECT 1 AS one FROM runs WHERE id = ? AND status = 'running' AND owner = ? AND attempt = ?");
  }

  record(lease: Lease, entry: JournalEntry): Promise<boolean> {
    return this.writer.run(
      'record a step of a run',
      () => {
        if (!this.holdsLease.get(lease.runId, lease.owner, lease.attempt)) return false;
        this.rows.insert(lease.runId, entry);
        return true;
      },
      { durable: true },
    );
  }

  read(runId: string): Promise<JournalEntry[]> {
    return direct('read the journal of a run', () => this.rows.read(runId));
  }
}
