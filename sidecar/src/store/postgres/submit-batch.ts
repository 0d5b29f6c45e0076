/**
 * @module
 * Group commit for submissions without a key: those waiting together go to
 * PostgreSQL as one multi-row INSERT (one round trip, one commit, one
 * fsync), and each promise resolves once that commit is done. At most
 * `MAX_COMMITTING` batches are under way at once; submissions that arrive
 * meanwhile wait for the next one, so under load a batch holds whatever
 * arrived during the previous commit rather than the few of one tick (a
 * commit costs the database and this process about the same whatever the
 * batch holds, so larger batches are what raise the acknowledged rate).
 * A submission fails alone: an id already taken is skipped by
 * `ON CONFLICT DO NOTHING` and refused to its caller only; if the statement
 * fails as a whole (a value the database refuses), the batch is retried one
 * submission at a time, so only the bad one is refused. If the database
 * cannot be reached, every submission of the batch fails `store_unavailable`
 * and none is acknowledged.
 */
import { StoreRejectedError } from '../errors.js';
import type { NewRun } from '../store.js';
import type { Database } from './database.js';

const MAX_BATCH = 500;
/** Two, not one: the next batch is sent while the previous one's fsync is under way. */
const MAX_COMMITTING = 2;

interface Pending {
  run: NewRun;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const INSERT = `INSERT INTO squire_runs (id, status, input, session_id, metadata, max_attempts, timeout_ms, created_at)
  SELECT id, 'queued', input, session_id, metadata, max_attempts, timeout_ms, created_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::bigint[]) AS r(id, input, session_id, metadata, max_attempts, timeout_ms, created_at)
  ON CONFLICT (id) DO NOTHING RETURNING id`;

export class SubmitBatch {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly committing = new Set<Promise<void>>();

  constructor(private readonly db: Database) {}

  submit(run: NewRun): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ run, resolve, reject });
      this.schedule();
    });
  }

  /** Commits what was accepted so far; resolves when every batch under way settled (before the store closes). */
  async settled(): Promise<void> {
    while (this.pending.length > 0 || this.committing.size > 0) {
      this.flush(Infinity);
      await Promise.allSettled([...this.committing]);
    }
  }

  /** Sends a batch after this tick (so the submissions of the tick go together) if a commit may start. */
  private schedule(): void {
    if (this.scheduled || this.pending.length === 0 || this.committing.size >= MAX_COMMITTING) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush(MAX_COMMITTING);
    });
  }

  private flush(maxCommitting: number): void {
    while (this.pending.length > 0 && this.committing.size < maxCommitting) {
      const committing = this.commit(this.pending.splice(0, MAX_BATCH));
      this.committing.add(committing);
      void committing.finally(() => {
        this.committing.delete(committing);
        this.schedule();
      });
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      const inserted = await this.insert(batch.map((item) => item.run));
      for (const item of batch) {
        if (inserted.has(item.run.id)) item.resolve();
        else item.reject(new StoreRejectedError(`the store refused to submit a run: the run id ${item.run.id} is taken`));
      }
    } catch (error) {
      if (batch.length === 1 || (error as { code?: string }).code === 'store_unavailable') {
        for (const item of batch) item.reject(error);
        return;
      }
      await Promise.all(batch.map((item) => this.commit([item])));
    }
  }

  private async insert(runs: readonly NewRun[]): Promise<Set<string>> {
    const { rows } = await this.db.query<{ id: string }>('submit a run', INSERT, [
      runs.map((run) => run.id),
      runs.map((run) => run.input),
      runs.map((run) => run.sessionId ?? null),
      runs.map((run) => run.metadata),
      runs.map((run) => run.maxAttempts),
      runs.map((run) => run.timeoutMs),
      runs.map((run) => run.createdAt),
    ]);
    return new Set(rows.map((row) => row.id));
  }
}
