/**
 * @module
 * Run events in PostgreSQL (`squire_run_events`). An append is one
 * statement: it locks the run's row while its lease holds (so a reclaim or
 * a finish of another attempt waits for it, and it waits for them) and
 * inserts the events; followers on every replica are notified after the commit.
 */
import type { Lease, RunEventStore, StoredEvent } from '../store.js';
import type { RunEventType } from '@squire/client/contract';
import type { Database } from './database.js';
import type { Notifier } from './notifier.js';

export class PostgresRunEvents implements RunEventStore {
  constructor(
    private readonly db: Database,
    private readonly notifier: Notifier,
  ) {}

  async append(lease: Lease, events: readonly StoredEvent[]): Promise<boolean> {
    if (events.length === 0) return true;
    const { rows } = await this.db.query<{ appended: number }>(
      'append run events',
      `WITH held AS (
         SELECT id FROM squire_runs WHERE id = $1 AND status = 'running' AND owner = $2 AND attempt = $3 FOR SHARE),
       inserted AS (
         INSERT INTO squire_run_events (run_id, seq, type, data)
         SELECT held.id, e.seq, e.type, e.data FROM held, unnest($4::int[], $5::text[], $6::text[]) AS e(seq, type, data) RETURNING run_id)
       SELECT COUNT(*)::int AS appended FROM inserted`,
      [lease.runId, lease.owner, lease.attempt, events.map((event) => event.seq), events.map((event) => event.type), events.map((event) => event.data)],
    );
    const written = rows[0]!.appended > 0;
    if (written) this.notifier.eventsCommitted(lease.runId);
    return written;
  }

  async after(runId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const { rows } = await this.db.query<{ seq: number; type: RunEventType; data: string }>(
      'read run events',
      'SELECT seq, type, data FROM squire_run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [runId, afterSeq, limit],
    );
    return rows.map((row) => ({ seq: row.seq, type: row.type, data: row.data }));
  }

  async lastSeq(runId: string): Promise<number> {
    const { rows } = await this.db.query<{ seq: number }>('read run events', 'SELECT COALESCE(MAX(seq), 0)::int AS seq FROM squire_run_events WHERE run_id = $1', [runId]);
    return rows[0]!.seq;
  }

  watch(runId: string, onCommitted: () => void): () => void {
    return this.notifier.local.watchEvents(runId, onCommitted);
  }
}
