/**
 * @module
 * Run events in SQLite (`run_events`, one row per event, keyed by run and
 * `seq`). Appends are guarded by the attempt's lease and go through the
 * group commit without an fsync of their own (the run's next durable commit
 * — at the latest its finish — syncs them). Followers are woken after each
 * commit and read what is new.
 */
import type Database from 'better-sqlite3';
import type { RunEventType } from '@squire/client/contract';
import type { Lease, RunEventStore, StoredEvent } from '../store.js';
import type { GroupCommit } from './group-commit.js';
import type { LocalWakes } from '../local-wakes.js';
import { direct } from './sqlite-errors.js';

/** The statements on `run_events` that the runs module uses inside its own transactions too. */
export class EventRows {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      insert: db.prepare<[string, number, string, string]>('INSERT INTO run_events (run_id, seq, data, type) VALUES (?, ?, ?, ?)'),
      nextSeq: db.prepare<[string], { seq: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM run_events WHERE run_id = ?'),
      after: db.prepare<[string, number, number], { seq: number; type: string | null; data: string }>('SELECT seq, type, data FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    };
  }

  insert(runId: string, event: StoredEvent): void {
    this.statements.insert.run(runId, event.seq, event.data, event.type);
  }

  nextSeq(runId: string): number {
    return this.statements.nextSeq.get(runId)!.seq;
  }

  lastSeq(runId: string): number {
    return this.nextSeq(runId) - 1;
  }

  after(runId: string, afterSeq: number, limit: number): StoredEvent[] {
    return this.statements.after.all(runId, afterSeq, limit).map((row) => ({
      seq: row.seq,
      // Rows written before event types had a column of their own.
      type: (row.type ?? (JSON.parse(row.data) as { type: RunEventType }).type) as RunEventType,
      data: row.data,
    }));
  }
}

export class SqliteRunEvents implements RunEventStore {
  private readonly holdsLease;

  constructor(
    db: Database.Database,
    private readonly rows: EventRows,
    private readonly writer: GroupCommit,
    private readonly wakes: LocalWakes,
  ) {
    this.holdsLease = db.prepare<[string, string, number], { one: number }>("SELECT 1 AS one FROM runs WHERE id = ? AND status = 'running' AND owner = ? AND attempt = ?");
  }

  async append(lease: Lease, events: readonly StoredEvent[]): Promise<boolean> {
    if (events.length === 0) return true;
    const written = await this.writer.run(
      'append run events',
      () => {
        if (!this.holdsLease.get(lease.runId, lease.owner, lease.attempt)) return false;
        for (const event of events) this.rows.insert(lease.runId, event);
        return true;
      },
      { durable: false },
    );
    if (written) this.wakes.eventsCommitted(lease.runId);
    return written;
  }

  after(runId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return direct('read run events', () => this.rows.after(runId, afterSeq, limit));
  }

  lastSeq(runId: string): Promise<number> {
    return direct('read run events', () => this.rows.lastSeq(runId));
  }

  watch(runId: string, onCommitted: () => void): () => void {
    return this.wakes.watchEvents(runId, onCommitted);
  }
}
