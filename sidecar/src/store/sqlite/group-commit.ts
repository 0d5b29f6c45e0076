/**
 * @module
 * Group commit for one SQLite connection: every write operation of the same
 * tick goes into one transaction, and each caller is answered once that
 * transaction is on disk, so durability costs one fsync per batch rather than
 * one per request.
 *
 * A batch must never let one operation fail another. A batch first runs as
 * one plain transaction (the common case: nothing fails). If an operation
 * throws, that transaction is rolled back and the batch runs again with
 * each operation in a savepoint of its own: a failing one is rolled back
 * and rejected alone, the rest commit together. If the batch as a whole
 * cannot commit (the transaction broke, the commit failed), every operation
 * is retried in a transaction of its own, so each is answered by its own
 * fate. Only committed operations resolve.
 *
 * `durable: false` operations (lease renewals, progress events, answers kept
 * under an Idempotency-Key) may commit with `synchronous = NORMAL`: in WAL
 * mode they survive a process crash without an fsync of their own, and the
 * next durable commit syncs them too.
 */
import type Database from 'better-sqlite3';
import { StoreUnavailableError } from '../errors.js';
import { storeFailure } from './sqlite-errors.js';

interface Operation {
  apply: () => unknown;
  durable: boolean;
  action: string;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  private pending: Operation[] = [];
  private scheduled = false;
  private closed = false;
  private synchronous: 'FULL' | 'NORMAL' = 'FULL';
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT operation'),
      release: db.prepare('RELEASE operation'),
      rollbackTo: db.prepare('ROLLBACK TO operation'),
    };
    db.pragma('synchronous = FULL');
  }

  /**
   * Queues `apply` — the statements of one operation, run synchronously
   * inside the batch's transaction — and resolves with its result once
   * committed. `action` names the operation in errors. `apply` may run more
   * than once (a batch that failed runs again), so it must change nothing
   * but the database and return what it found.
   */
  run<T>(action: string, apply: () => T, options: { durable: boolean }): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError(`the store is closed: cannot ${action}`));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ apply, durable: options.durable, action, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now. */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const outcomes =
      (batch.length > 1 && (this.commitTogether(batch, false) ?? this.commitTogether(batch, true))) || batch.map((operation) => this.commitAlone(operation));
    for (let i = 0; i < batch.length; i += 1) {
      const outcome = outcomes[i]!;
      if (outcome.ok) batch[i]!.resolve(outcome.value);
      else batch[i]!.reject(storeFailure(outcome.error, batch[i]!.action));
    }
  }

  /** Commits what is queued, then refuses new operations. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  /**
   * One transaction for the batch; undefined when it did not commit. With
   * `isolate`, each operation runs in a savepoint and a failing one is
   * undone alone; without, any failure abandons the transaction.
   */
  private commitTogether(batch: Operation[], isolate: boolean): Outcome[] | undefined {
    const { begin, commit, savepoint, release, rollbackTo } = this.statements;
    const outcomes: Outcome[] = [];
    try {
      this.setSynchronous(batch.some((operation) => operation.durable));
      begin.run();
      for (const operation of batch) {
        if (!isolate) {
          outcomes.push({ ok: true, value: operation.apply() });
          // An operation that ended the transaction would leave the next ones in autocommit.
          if (!this.db.inTransaction) return undefined;
          continue;
        }
        savepoint.run();
        try {
          outcomes.push({ ok: true, value: operation.apply() });
          if (!this.db.inTransaction) return undefined;
          release.run();
        } catch (error) {
          // Some errors (I/O, disk full) end the whole transaction: then retry each alone.
          if (!this.db.inTransaction) return undefined;
          rollbackTo.run();
          release.run();
          outcomes.push({ ok: false, error });
        }
      }
      commit.run();
      return outcomes;
    } catch {
      this.rollbackQuietly();
      return undefined;
    }
  }

  private commitAlone(operation: Operation): Outcome {
    try {
      this.setSynchronous(operation.durable);
      this.statements.begin.run();
      const value = operation.apply();
      this.statements.commit.run();
      return { ok: true, value };
    } catch (error) {
      this.rollbackQuietly();
      return { ok: false, error };
    }
  }

  private setSynchronous(durable: boolean): void {
    const wanted = durable ? 'FULL' : 'NORMAL';
    if (wanted === this.synchronous) return;
    this.db.pragma(`synchronous = ${wanted}`);
    this.synchronous = wanted;
  }

  private rollbackQuietly(): void {
    try {
      if (this.db.open && this.db.inTransaction) this.statements.rollback.run();
    } catch {
      // The connection is gone; nothing is left to roll back.
    }
  }
}
