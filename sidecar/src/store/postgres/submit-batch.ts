/**
 * @module
 * Group commit for submissions without a key: those of one tick go to
 * PostgreSQL as one multi-row INSERT (one round trip, one commit, one
 * fsync), and each promise resolves once that commit is done. A submission
 * fails alone: an id already taken is skipped by `ON CONFLICT DO NOTHING`
 * and refused to its caller only; if the statement fails as a whole (a value
 * the database refuses), the batch is retried one submission at a time, so
 * only the bad one is refused. Batches do not wait for each other.
 */
import { StoreRejectedError } from '../errors.js';
import type { NewRun } from '../store.js';
import type { Database } from './database.js';

const MAX_BATCH = 500;

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
  private readonly committing = new Set<Promise<void>>();

  constructor(private readonly db: Database) {}

  submit(run: NewRun): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ run, resolve, reject });
    });
  }

  /** Commits what was accepted so far; resolves when every batch under way settled (before the store closes). */
  async settled(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.committing]);
  }

  private flush(): void {
    while (this.pending.length > 0) {
      const committing = this.commit(this.pending.splice(0, MAX_BATCH));
      this.committing.add(committing);
      void committing.finally(() => this.committing.delete(committing));
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
