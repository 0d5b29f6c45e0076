/**
 * @module
 * Background runs in SQLite (`runs`). Every state change is one operation of
 * the group commit, with the event that announces it in the same
 * transaction, and every change to a running run is guarded by its lease
 * (owner and attempt). The store is the data directory's only owner, so it
 * counts queued runs itself instead of asking SQLite on every submission.
 */
import type Database from 'better-sqlite3';
import type { RunRecord } from '@squire/client/contract';
import { toRunRecord as toRecord, type StoredRunRow } from '../run-row.js';
import { cancelledBeforeStart, gaveUpAfterAttempts, pauseExpired, startedEvent } from '../store-events.js';
import type { CancelOutcome, ClaimedRun, JournalEntry, KeyTicket, Lease, NewRun, RunListQuery, RunResult, RunStore, StoredEvent, SubmitResult } from '../store.js';
import type { EventRows } from './events.js';
import type { JournalRows } from './journal.js';
import type { GroupCommit } from './group-commit.js';
import type { LocalWakes } from '../local-wakes.js';
import { direct } from './sqlite-errors.js';

interface RunRow extends StoredRunRow {
  timeout_ms: number;
}

type ClaimRow = Pick<RunRow, 'id' | 'input' | 'session_id' | 'metadata' | 'attempt' | 'max_attempts' | 'timeout_ms' | 'created_at'>;

const FINISHED = "('succeeded','failed','cancelled','timed_out')";

export class SqliteRuns implements RunStore {
  private queued: number;
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly events: EventRows,
    private readonly journal: JournalRows,
    private readonly writer: GroupCommit,
    private readonly wakes: LocalWakes,
    private readonly owner: string,
  ) {
    this.statements = {
      insert: db.prepare<[string, string, string | null, string, number, number, number]>(
        "INSERT INTO runs (id, status, input, session_id, metadata, max_attempts, timeout_ms, created_at) VALUES (?, 'queued', ?, ?, ?, ?, ?, ?)",
      ),
      key: db.prepare<[string, string], { body_hash: string; run_id: string | null; expires_at: number }>('SELECT body_hash, run_id, expires_at FROM idempotency WHERE scope = ? AND key = ?'),
      putKey: db.prepare<[string, string, string, string, number]>(
        'INSERT OR REPLACE INTO idempotency (scope, key, body_hash, run_id, status, response, expires_at) VALUES (?, ?, ?, ?, 202, NULL, ?)',
      ),
      claim: db.prepare<[string, number, number, number], ClaimRow>(
        `UPDATE runs SET status = 'running', attempt = attempt + 1, owner = ?, lease_expires_at = ?, started_at = ?, cancel_requested = 0
         WHERE id IN (SELECT id FROM runs WHERE status = 'queued' ORDER BY created_at, id LIMIT ?)
         RETURNING id, input, session_id, metadata, attempt, max_attempts, timeout_ms, created_at`,
      ),
      finish: db.prepare<[string, string | null, string | null, string | null, number, string, string, number]>(
        "UPDATE runs SET status = ?, output = ?, error = ?, usage = ?, finished_at = ?, lease_expires_at = NULL WHERE id = ? AND status = 'running' AND owner = ? AND attempt = ?",
      ),
      requeue: db.prepare<[string, string, number]>(
        "UPDATE runs SET status = 'queued', attempt = attempt - 1, started_at = NULL, owner = NULL, lease_expires_at = NULL WHERE id = ? AND status = 'running' AND owner = ? AND attempt = ?",
      ),
      get: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
      // A paused run goes back to the queue as the same attempt, as after a drain.
      pause: db.prepare<[string, number, string, string, number]>(
        "UPDATE runs SET status = 'input_required', awaiting = ?, paused_until = ?, attempt = attempt - 1, started_at = NULL, owner = NULL, lease_expires_at = NULL WHERE id = ? AND status = 'running' AND owner = ? AND attempt = ?",
      ),
      resume: db.prepare<[string]>("UPDATE runs SET status = 'queued', awaiting = NULL, paused_until = NULL WHERE id = ? AND status = 'input_required'"),
      expiredPauses: db.prepare<[number], { id: string }>("SELECT id FROM runs WHERE status = 'input_required' AND paused_until <= ?"),
      endPause: db.prepare<[string, number, string]>(
        "UPDATE runs SET status = 'timed_out', error = ?, finished_at = ?, awaiting = NULL, paused_until = NULL WHERE id = ? AND status = 'input_required'",
      ),
      cancelQueued: db.prepare<[string, number, string]>(
        "UPDATE runs SET status = 'cancelled', error = ?, finished_at = ?, awaiting = NULL, paused_until = NULL WHERE id = ? AND status IN ('queued', 'input_required')",
      ),
      requestCancel: db.prepare<[string]>("UPDATE runs SET cancel_requested = 1 WHERE id = ? AND status = 'running'"),
      renew: db.prepare<[number, string, string], { cancel_requested: number }>(
        "UPDATE runs SET lease_expires_at = ? WHERE id = ? AND status = 'running' AND owner = ? RETURNING cancel_requested",
      ),
      // The directory lock proves every other owner dead: their runs were cut off.
      expired: db.prepare<[string, number], { id: string; attempt: number; max_attempts: number }>(
        "SELECT id, attempt, max_attempts FROM runs WHERE status = 'running' AND (owner IS NOT ? OR lease_expires_at <= ?)",
      ),
      reclaim: db.prepare<[string]>("UPDATE runs SET status = 'queued', started_at = NULL, owner = NULL, lease_expires_at = NULL WHERE id = ? AND status = 'running'"),
      giveUp: db.prepare<[string, number, string]>(
        "UPDATE runs SET status = 'failed', error = ?, finished_at = ?, owner = NULL, lease_expires_at = NULL WHERE id = ? AND status = 'running'",
      ),
      countQueued: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM runs WHERE status = 'queued'"),
      purgeJournal: db.prepare<[number]>(`DELETE FROM run_journal WHERE run_id IN (SELECT id FROM runs WHERE finished_at < ? AND status IN ${FINISHED})`),
      purgeEvents: db.prepare<[number]>(`DELETE FROM run_events WHERE run_id IN (SELECT id FROM runs WHERE finished_at < ? AND status IN ${FINISHED})`),
      purgeRuns: db.prepare<[number]>(`DELETE FROM runs WHERE finished_at < ? AND status IN ${FINISHED}`),
    };
    this.queued = this.statements.countQueued.get()!.n;
  }

  async submit(run: NewRun, key?: KeyTicket): Promise<SubmitResult> {
    const result = await this.writer.run(
      'submit a run',
      (): SubmitResult => {
        if (key) {
          const held = this.statements.key.get(key.scope, key.key);
          if (held && held.expires_at > run.createdAt && held.run_id !== null) return { created: false, runId: held.run_id, bodyHash: held.body_hash };
        }
        this.statements.insert.run(run.id, run.input, run.sessionId ?? null, run.metadata, run.maxAttempts, run.timeoutMs, run.createdAt);
        if (key) this.statements.putKey.run(key.scope, key.key, key.bodyHash, run.id, key.expiresAt);
        return { created: true };
      },
      { durable: true },
    );
    if (result.created) this.queueGrew(1);
    return result;
  }

  async claimNext(now: number, leaseMs: number, limit: number): Promise<ClaimedRun[]> {
    const claimed = await this.writer.run(
      'claim queued runs',
      () =>
        this.statements.claim.all(this.owner, now + leaseMs, now, limit).map((row): ClaimedRun => {
          const started = startedEvent(row.id, this.events.nextSeq(row.id), row.attempt);
          this.events.insert(row.id, started);
          return {
            lease: { runId: row.id, owner: this.owner, attempt: row.attempt },
            input: JSON.parse(row.input) as unknown,
            sessionId: row.session_id ?? undefined,
            metadata: JSON.parse(row.metadata) as Record<string, string>,
            maxAttempts: row.max_attempts,
            timeoutMs: row.timeout_ms,
            started,
          };
        }),
      { durable: true },
    );
    this.queued = Math.max(0, this.queued - claimed.length);
    for (const run of claimed) this.wakes.eventsCommitted(run.lease.runId);
    return claimed;
  }

  async finish(lease: Lease, result: RunResult, terminal: StoredEvent, now: number): Promise<boolean> {
    const finished = await this.writer.run(
      'record the end of a run',
      () => {
        const changed = this.statements.finish.run(
          result.status,
          result.output ?? null,
          result.error ? JSON.stringify(result.error) : null,
          result.usage ?? null,
          now,
          lease.runId,
          lease.owner,
          lease.attempt,
        ).changes;
        if (changed === 0) return false;
        this.events.insert(lease.runId, terminal);
        return true;
      },
      { durable: true },
    );
    if (finished) this.wakes.eventsCommitted(lease.runId);
    return finished;
  }

  async requeue(lease: Lease): Promise<boolean> {
    const requeued = await this.writer.run('put a run back in the queue', () => this.statements.requeue.run(lease.runId, lease.owner, lease.attempt).changes === 1, { durable: true });
    if (requeued) this.queueGrew(1);
    return requeued;
  }

  async cancel(runId: string, now: number): Promise<{ outcome: CancelOutcome; record: RunRecord } | undefined> {
    const result = await this.writer.run(
      'cancel a run',
      () => {
        const row = this.statements.get.get(runId);
        if (!row) return undefined;
        let outcome: CancelOutcome = 'finished';
        if (row.status === 'queued' || row.status === 'input_required') {
          const ending = cancelledBeforeStart(runId, this.events.nextSeq(runId));
          this.statements.cancelQueued.run(JSON.stringify(ending.error), now, runId);
          this.events.insert(runId, ending.event);
          outcome = 'cancelled';
        } else if (row.status === 'running') {
          this.statements.requestCancel.run(runId);
          outcome = 'requested';
        }
        return { outcome, record: toRecord(this.statements.get.get(runId)!), wasQueued: row.status === 'queued' };
      },
      { durable: true },
    );
    if (result?.outcome === 'cancelled') {
      if (result.wasQueued) this.queued = Math.max(0, this.queued - 1);
      this.wakes.eventsCommitted(runId);
    }
    return result && { outcome: result.outcome, record: result.record };
  }

  async pause(lease: Lease, awaiting: string, event: StoredEvent, until: number): Promise<boolean> {
    const paused = await this.writer.run(
      'pause a run for input',
      () => {
        if (this.statements.pause.run(awaiting, until, lease.runId, lease.owner, lease.attempt).changes === 0) return false;
        this.events.insert(lease.runId, event);
        return true;
      },
      { durable: true },
    );
    if (paused) this.wakes.eventsCommitted(lease.runId);
    return paused;
  }

  async resume(runId: string, decision: JournalEntry): Promise<boolean> {
    const resumed = await this.writer.run(
      'resume a paused run',
      () => {
        if (this.statements.resume.run(runId).changes === 0) return false;
        this.journal.insert(runId, decision);
        return true;
      },
      { durable: true },
    );
    if (resumed) this.queueGrew(1);
    return resumed;
  }

  renew(runIds: readonly string[], now: number, leaseMs: number): Promise<{ lost: string[]; cancelRequested: string[] }> {
    return this.writer.run(
      'renew run leases',
      () => {
        const lost: string[] = [];
        const cancelRequested: string[] = [];
        for (const runId of runIds) {
          const row = this.statements.renew.get(now + leaseMs, runId, this.owner);
          if (!row) lost.push(runId);
          else if (row.cancel_requested === 1) cancelRequested.push(runId);
        }
        return { lost, cancelRequested };
      },
      { durable: false },
    );
  }

  async reclaimExpired(now: number): Promise<{ requeued: number; failed: number }> {
    const { requeued, ended } = await this.writer.run(
      'reclaim runs of dead owners',
      () => {
        let requeued = 0;
        const ended: string[] = [];
        for (const row of this.statements.expired.all(this.owner, now)) {
          if (row.attempt >= row.max_attempts) {
            const ending = gaveUpAfterAttempts(row.id, this.events.nextSeq(row.id), row.attempt);
            this.statements.giveUp.run(JSON.stringify(ending.error), now, row.id);
            this.events.insert(row.id, ending.event);
            ended.push(row.id);
          } else {
            this.statements.reclaim.run(row.id);
            requeued += 1;
          }
        }
        for (const row of this.statements.expiredPauses.all(now)) {
          const ending = pauseExpired(row.id, this.events.nextSeq(row.id));
          this.statements.endPause.run(JSON.stringify(ending.error), now, row.id);
          this.events.insert(row.id, ending.event);
          ended.push(row.id);
        }
        return { requeued, ended };
      },
      { durable: true },
    );
    for (const runId of ended) this.wakes.eventsCommitted(runId);
    if (requeued > 0) this.queueGrew(requeued);
    return { requeued, failed: ended.length };
  }

  get(runId: string): Promise<RunRecord | undefined> {
    return direct('read a run', () => {
      const row = this.statements.get.get(runId);
      return row && toRecord(row);
    });
  }

  list(query: RunListQuery): Promise<RunRecord[]> {
    return direct('list runs', () => {
      const clauses: string[] = [];
      const params: unknown[] = [];
      if (query.status) {
        clauses.push('status = ?');
        params.push(query.status);
      }
      if (query.after) {
        clauses.push('(created_at < ? OR (created_at = ? AND id < ?))');
        params.push(query.after.createdAt, query.after.createdAt, query.after.id);
      }
      const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
      return this.db.prepare<unknown[], RunRow>(`SELECT * FROM runs ${where} ORDER BY created_at DESC, id DESC LIMIT ?`).all(...params, query.limit).map(toRecord);
    });
  }

  countQueued(): Promise<number> {
    return Promise.resolve(this.queued);
  }

  watchQueue(listener: () => void): () => void {
    return this.wakes.watchQueue(listener);
  }

  purgeFinished(before: number): Promise<number> {
    return this.writer.run(
      'delete finished runs',
      () => {
        this.statements.purgeJournal.run(before);
        this.statements.purgeEvents.run(before);
        return this.statements.purgeRuns.run(before).changes;
      },
      { durable: false },
    );
  }

  private queueGrew(count: number): void {
    this.queued += count;
    this.wakes.queueChanged();
  }
}
