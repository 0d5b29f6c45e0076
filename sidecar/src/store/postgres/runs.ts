/**
 * @module
 * Background runs in PostgreSQL, for replicas that compete for them. A claim
 * takes the oldest queued runs with `FOR UPDATE SKIP LOCKED` (two replicas
 * never take the same run, and neither waits for the other), counts the
 * attempt, takes a lease and writes each run's `run.started`, in one
 * transaction. Every later write for a running run is guarded by its lease
 * (owner and attempt). Runs whose lease expired — their replica died — go
 * back to the queue on any replica's heartbeat, the attempt counted.
 * Other replicas are notified after each commit, never inside it (see
 * `notifier.ts`).
 */
import type { RunRecord } from '@squire/client/contract';
import { cancelledBeforeStart, gaveUpAfterAttempts, pauseExpired, startedEvent } from '../store-events.js';
import type { CancelOutcome, ClaimedRun, JournalEntry, KeyTicket, Lease, NewRun, RunListQuery, RunResult, RunStore, StoredEvent, SubmitResult } from '../store.js';
import type { Database, Queryable } from './database.js';
import type { Notifier } from './notifier.js';
import { SubmitBatch } from './submit-batch.js';
import { FINISHED, RECORD_COLUMNS, insertEvents, insertJournal, nextSeqs, toRecord, type RunRow } from './run-rows.js';

/** How long a count of queued runs is trusted before it is read again (the limit it guards is approximate across replicas anyway). */
const QUEUED_COUNT_TTL_MS = 250;

interface ClaimRow {
  id: string;
  input: string;
  session_id: string | null;
  metadata: string;
  attempt: number;
  max_attempts: number;
  timeout_ms: number;
  created_at: number;
}

export class PostgresRuns implements RunStore {
  private queued: { count: number; readAt: number } | undefined;
  private readonly batch: SubmitBatch;

  constructor(
    private readonly db: Database,
    private readonly notifier: Notifier,
    private readonly owner: string,
  ) {
    this.batch = new SubmitBatch(db);
  }

  async submit(run: NewRun, key?: KeyTicket): Promise<SubmitResult> {
    let result: SubmitResult;
    if (!key) {
      await this.batch.submit(run);
      result = { created: true };
    } else {
      result = await this.submitKeyed(run, key);
    }
    if (result.created) this.queueGrew(1);
    return result;
  }

  /**
   * The key and the run in one statement (one round trip, one commit): the run
   * is inserted only if the key was taken for it. A concurrent submission with
   * the same key waits on the key's row, then finds it taken. A key found taken
   * is read by a second statement, which sees the latest committed row (the
   * first one's snapshot may predate a concurrent submission's commit).
   */
  private async submitKeyed(run: NewRun, key: KeyTicket): Promise<SubmitResult> {
    const { rows } = await this.db.query<{ created: number }>(
      'submit a run',
      `WITH taken AS (
         INSERT INTO squire_idempotency (scope, key, body_hash, run_id, status, response, expires_at) VALUES ($1, $2, $3, $4, 202, NULL, $5)
         ON CONFLICT (scope, key) DO UPDATE SET body_hash = EXCLUDED.body_hash, run_id = EXCLUDED.run_id, status = 202, response = NULL, expires_at = EXCLUDED.expires_at, holder = NULL, held_until = NULL
         WHERE squire_idempotency.expires_at <= $6 OR squire_idempotency.run_id IS NULL
         RETURNING run_id),
       created AS (
         INSERT INTO squire_runs (id, status, input, session_id, metadata, max_attempts, timeout_ms, created_at)
         SELECT run_id, 'queued', $7::text, $8::text, $9::text, $10::int, $11::bigint, $6::bigint FROM taken RETURNING id)
       SELECT COUNT(*)::int AS created FROM created`,
      [key.scope, key.key, key.bodyHash, run.id, key.expiresAt, run.createdAt, run.input, run.sessionId ?? null, run.metadata, run.maxAttempts, run.timeoutMs],
    );
    if (rows[0]!.created === 1) return { created: true };
    const taken = await this.db.query<{ run_id: string; body_hash: string }>('submit a run', 'SELECT run_id, body_hash FROM squire_idempotency WHERE scope = $1 AND key = $2', [key.scope, key.key]);
    const row = taken.rows[0];
    // Expired and deleted in between: the key is free again.
    if (!row) return this.submitKeyed(run, key);
    return { created: false, runId: row.run_id, bodyHash: row.body_hash };
  }

  async claimNext(now: number, leaseMs: number, limit: number): Promise<ClaimedRun[]> {
    const claimed = await this.db.transaction('claim queued runs', async (client) => {
      const { rows } = await client.query<ClaimRow>(
        `WITH picked AS (
           SELECT id FROM squire_runs WHERE status = 'queued' ORDER BY created_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
         UPDATE squire_runs r SET status = 'running', attempt = r.attempt + 1, owner = $1, lease_expires_at = $2, started_at = $3, cancel_requested = false
         FROM picked WHERE r.id = picked.id
         RETURNING r.id, r.input, r.session_id, r.metadata, r.attempt, r.max_attempts, r.timeout_ms, r.created_at`,
        [this.owner, now + leaseMs, now, limit],
      );
      if (rows.length === 0) return [];
      rows.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const seqs = await nextSeqs(
        client,
        rows.map((row) => row.id),
      );
      const runs = rows.map((row): ClaimedRun => ({
        lease: { runId: row.id, owner: this.owner, attempt: row.attempt },
        input: JSON.parse(row.input) as unknown,
        sessionId: row.session_id ?? undefined,
        metadata: JSON.parse(row.metadata) as Record<string, string>,
        maxAttempts: row.max_attempts,
        timeoutMs: row.timeout_ms,
        started: startedEvent(row.id, seqs.get(row.id)!, row.attempt),
      }));
      await insertEvents(
        client,
        runs.map((run) => ({ runId: run.lease.runId, event: run.started })),
      );
      return runs;
    });
    if (this.queued) this.queued.count = Math.max(0, this.queued.count - claimed.length);
    for (const run of claimed) this.notifier.eventsCommitted(run.lease.runId);
    return claimed;
  }

  async finish(lease: Lease, result: RunResult, terminal: StoredEvent, now: number): Promise<boolean> {
    // One statement: the state and its terminal event commit together or not at all.
    const { rows } = await this.db.query<{ finished: number }>(
      'record the end of a run',
      `WITH done AS (
         UPDATE squire_runs SET status = $1, output = $2, error = $3, usage = $4, finished_at = $5, lease_expires_at = NULL
         WHERE id = $6 AND status = 'running' AND owner = $7 AND attempt = $8 RETURNING id),
       event AS (
         INSERT INTO squire_run_events (run_id, seq, type, data) SELECT id, $9, $10, $11 FROM done RETURNING run_id)
       SELECT COUNT(*)::int AS finished FROM event`,
      [
        result.status,
        result.output ?? null,
        result.error ? JSON.stringify(result.error) : null,
        result.usage ?? null,
        now,
        lease.runId,
        lease.owner,
        lease.attempt,
        terminal.seq,
        terminal.type,
        terminal.data,
      ],
    );
    const finished = rows[0]!.finished === 1;
    if (finished) this.notifier.eventsCommitted(lease.runId);
    return finished;
  }

  async requeue(lease: Lease): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'put a run back in the queue',
      `UPDATE squire_runs SET status = 'queued', attempt = attempt - 1, started_at = NULL, owner = NULL, lease_expires_at = NULL
       WHERE id = $1 AND status = 'running' AND owner = $2 AND attempt = $3`,
      [lease.runId, lease.owner, lease.attempt],
    );
    const requeued = rowCount === 1;
    if (requeued) this.queueGrew(1);
    return requeued;
  }

  async pause(lease: Lease, awaiting: string, event: StoredEvent, until: number): Promise<boolean> {
    // One statement: the pause and its event commit together. The run goes back as the same attempt, as after a drain.
    const { rows } = await this.db.query<{ paused: number }>(
      'pause a run for input',
      `WITH paused AS (
         UPDATE squire_runs SET status = 'input_required', awaiting = $1, paused_until = $2, attempt = attempt - 1, started_at = NULL, owner = NULL, lease_expires_at = NULL
         WHERE id = $3 AND status = 'running' AND owner = $4 AND attempt = $5 RETURNING id),
       event AS (
         INSERT INTO squire_run_events (run_id, seq, type, data) SELECT id, $6, $7, $8 FROM paused RETURNING run_id)
       SELECT COUNT(*)::int AS paused FROM event`,
      [awaiting, until, lease.runId, lease.owner, lease.attempt, event.seq, event.type, event.data],
    );
    const paused = rows[0]!.paused === 1;
    if (paused) this.notifier.eventsCommitted(lease.runId);
    return paused;
  }

  async resume(runId: string, decision: JournalEntry): Promise<boolean> {
    const resumed = await this.db.transaction('resume a paused run', async (client) => {
      const { rowCount } = await client.query("UPDATE squire_runs SET status = 'queued', awaiting = NULL, paused_until = NULL WHERE id = $1 AND status = 'input_required'", [runId]);
      if (rowCount !== 1) return false;
      await insertJournal(client, runId, decision);
      return true;
    });
    if (resumed) this.queueGrew(1);
    return resumed;
  }

  async cancel(runId: string, now: number): Promise<{ outcome: CancelOutcome; record: RunRecord } | undefined> {
    const result = await this.db.transaction('cancel a run', async (client) => {
      const found = await client.query<{ status: string }>('SELECT status FROM squire_runs WHERE id = $1 FOR UPDATE', [runId]);
      const status = found.rows[0]?.status;
      if (status === undefined) return undefined;
      let outcome: CancelOutcome = 'finished';
      if (status === 'queued' || status === 'input_required') {
        const ending = cancelledBeforeStart(runId, (await nextSeqs(client, [runId])).get(runId)!);
        await client.query("UPDATE squire_runs SET status = 'cancelled', error = $1, finished_at = $2, awaiting = NULL, paused_until = NULL WHERE id = $3", [
          JSON.stringify(ending.error),
          now,
          runId,
        ]);
        await insertEvents(client, [{ runId, event: ending.event }]);
        outcome = 'cancelled';
      } else if (status === 'running') {
        await client.query('UPDATE squire_runs SET cancel_requested = true WHERE id = $1', [runId]);
        outcome = 'requested';
      }
      const { rows } = await client.query<RunRow>(`SELECT ${RECORD_COLUMNS} FROM squire_runs WHERE id = $1`, [runId]);
      return { outcome, record: toRecord(rows[0]!), wasQueued: status === 'queued' };
    });
    if (result?.outcome === 'cancelled') {
      if (this.queued && result.wasQueued) this.queued.count = Math.max(0, this.queued.count - 1);
      this.notifier.eventsCommitted(runId);
    }
    return result && { outcome: result.outcome, record: result.record };
  }

  async renew(runIds: readonly string[], now: number, leaseMs: number): Promise<{ lost: string[]; cancelRequested: string[] }> {
    const { rows } = await this.db.heartbeat<{ id: string; cancel_requested: boolean }>(
      'renew run leases',
      "UPDATE squire_runs SET lease_expires_at = $1 WHERE id = ANY($2::text[]) AND status = 'running' AND owner = $3 RETURNING id, cancel_requested",
      [now + leaseMs, runIds, this.owner],
    );
    const held = new Map(rows.map((row) => [row.id, row.cancel_requested]));
    return { lost: runIds.filter((id) => !held.has(id)), cancelRequested: runIds.filter((id) => held.get(id) === true) };
  }

  async reclaimExpired(now: number): Promise<{ requeued: number; failed: number }> {
    const { requeued, ended } = await this.db.transaction('reclaim runs of stopped replicas', async (client) => {
      const { rows } = await client.query<{ id: string; attempt: number; max_attempts: number }>(
        "SELECT id, attempt, max_attempts FROM squire_runs WHERE status = 'running' AND lease_expires_at <= $1 ORDER BY created_at, id FOR UPDATE SKIP LOCKED",
        [now],
      );
      const pauses = await this.endExpiredPauses(client, now);
      if (rows.length === 0) return { requeued: 0, ended: pauses };
      const spent = rows.filter((row) => row.attempt >= row.max_attempts);
      const retried = rows.filter((row) => row.attempt < row.max_attempts).map((row) => row.id);
      if (retried.length > 0) {
        await client.query("UPDATE squire_runs SET status = 'queued', started_at = NULL, owner = NULL, lease_expires_at = NULL WHERE id = ANY($1::text[])", [retried]);
      }
      if (spent.length > 0) {
        const seqs = await nextSeqs(
          client,
          spent.map((row) => row.id),
        );
        const endings = spent.map((row) => ({ runId: row.id, ...gaveUpAfterAttempts(row.id, seqs.get(row.id)!, row.attempt) }));
        await client.query(
          "UPDATE squire_runs r SET status = 'failed', error = e.error, finished_at = $3, owner = NULL, lease_expires_at = NULL FROM unnest($1::text[], $2::text[]) AS e(id, error) WHERE r.id = e.id",
          [endings.map((ending) => ending.runId), endings.map((ending) => JSON.stringify(ending.error)), now],
        );
        await insertEvents(client, endings);
      }
      return { requeued: retried.length, ended: [...spent.map((row) => row.id), ...pauses] };
    });
    for (const runId of ended) this.notifier.eventsCommitted(runId);
    if (requeued > 0) this.queueGrew(requeued);
    return { requeued, failed: ended.length };
  }

  /** Paused runs nobody answered by their `until` end `timed_out`, each with its `run.failed` event; their ids. */
  private async endExpiredPauses(client: Queryable, now: number): Promise<string[]> {
    const { rows } = await client.query<{ id: string }>("SELECT id FROM squire_runs WHERE status = 'input_required' AND paused_until <= $1 ORDER BY id FOR UPDATE SKIP LOCKED", [now]);
    if (rows.length === 0) return [];
    const seqs = await nextSeqs(
      client,
      rows.map((row) => row.id),
    );
    const endings = rows.map((row) => ({ runId: row.id, ...pauseExpired(row.id, seqs.get(row.id)!) }));
    await client.query(
      "UPDATE squire_runs r SET status = 'timed_out', error = e.error, finished_at = $3, awaiting = NULL, paused_until = NULL FROM unnest($1::text[], $2::text[]) AS e(id, error) WHERE r.id = e.id",
      [endings.map((ending) => ending.runId), endings.map((ending) => JSON.stringify(ending.error)), now],
    );
    await insertEvents(client, endings);
    return endings.map((ending) => ending.runId);
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const { rows } = await this.db.query<RunRow>('read a run', `SELECT ${RECORD_COLUMNS} FROM squire_runs WHERE id = $1`, [runId]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(query: RunListQuery): Promise<RunRecord[]> {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (query.status) {
      params.push(query.status);
      clauses.push(`status = $${params.length}`);
    }
    if (query.after) {
      params.push(query.after.createdAt, query.after.id);
      clauses.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(query.limit);
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const { rows } = await this.db.query<RunRow>('list runs', `SELECT ${RECORD_COLUMNS} FROM squire_runs ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`, params);
    return rows.map(toRecord);
  }

  async countQueued(): Promise<number> {
    const now = Date.now();
    if (this.queued && now - this.queued.readAt < QUEUED_COUNT_TTL_MS) return this.queued.count;
    const { rows } = await this.db.query<{ n: number }>('count queued runs', "SELECT COUNT(*)::int AS n FROM squire_runs WHERE status = 'queued'");
    this.queued = { count: rows[0]!.n, readAt: now };
    return this.queued.count;
  }

  watchQueue(listener: () => void): () => void {
    return this.notifier.local.watchQueue(listener);
  }

  async purgeFinished(before: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'delete finished runs',
      `WITH gone AS (DELETE FROM squire_runs WHERE finished_at < $1 AND status IN ${FINISHED} RETURNING id),
       events AS (DELETE FROM squire_run_events WHERE run_id IN (SELECT id FROM gone)),
       journal AS (DELETE FROM squire_run_journal WHERE run_id IN (SELECT id FROM gone))
       SELECT COUNT(*)::int AS n FROM gone`,
      [before],
    );
    return rows[0]!.n;
  }

  /** Commits the submissions already accepted (before the store closes). */
  settled(): Promise<void> {
    return this.batch.settled();
  }

  private queueGrew(count: number): void {
    if (this.queued) this.queued.count += count;
    this.notifier.queueChanged();
  }
}
