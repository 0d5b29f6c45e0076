/**
 * @module
 * Durable background runs as the routes see them: submission (acknowledged
 * once committed; under an Idempotency-Key through the one ledger), the
 * record and the listing, cancel, following a run's events, start-up
 * reclaim, drain and retention. Execution is the dispatcher's; what is
 * durable is the store's.
 */
import type { Logger } from 'pino';
import type { ResumeRequest, RunEvent, RunRecord } from '@squire/client/contract';
import { SidecarError } from '../errors.js';
import type { Lifecycle } from '../runtime/lifecycle.js';
import type { RunExecutor } from '../runtime/run-executor.js';
import { newRunId } from '../runtime/ids.js';
import type { Slots } from '../runtime/slots.js';
import { toStoredJson } from '../store/stored-json.js';
import type { KeyTicket, RunListQuery, Store, StoredEvent } from '../store/store.js';
import { keyReused, type IdempotencyLedger } from './ledger.js';
import { RunDispatcher } from './run-dispatcher.js';
import { followRun } from './run-follower.js';

export interface BackgroundRunsOptions {
  maxQueued: number;
  maxAttempts: number;
  retentionMs: number;
  /** How long a claimed run holds without renewal. @default 10000 */
  leaseMs?: number;
  /** How long a run paused for input waits for a decision before it ends `timed_out`. */
  inputTimeoutMs?: number;
}

export interface Submission {
  input: unknown;
  sessionId: string | undefined;
  metadata: Record<string, string>;
  timeoutMs: number;
  idempotency?: { key: string; hash: string } | undefined;
}

/** How long a keyed submission waits for the same key's submission on another replica. */
const KEYED_SUBMIT_WAIT_MS = 5000;
export const DEFAULT_LEASE_MS = 10_000;

export class BackgroundRuns {
  private readonly dispatcher: RunDispatcher;
  private accepting = true;
  private cleanupTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly ledger: IdempotencyLedger,
    executor: RunExecutor,
    private readonly slots: Slots,
    lifecycle: Lifecycle,
    private readonly log: Logger,
    private readonly options: BackgroundRunsOptions,
  ) {
    this.dispatcher = new RunDispatcher(store, executor, slots, lifecycle, log, {
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
      ...(options.inputTimeoutMs !== undefined && { inputTimeoutMs: options.inputTimeoutMs }),
    });
  }

  /** Reclaims what a stopped owner left running, then starts dispatching. */
  async start(): Promise<{ resumed: number; retried: number; failed: number }> {
    const { requeued, failed } = await this.store.runs.reclaimExpired(Date.now());
    const queued = await this.store.runs.countQueued();
    const summary = { resumed: queued - requeued, retried: requeued, failed };
    if (queued > 0 || failed > 0) this.log.info(summary, 'background runs recovered from the data dir');
    this.cleanupTimer = setInterval(() => void this.cleanup(), 60_000);
    this.cleanupTimer.unref();
    await this.cleanup();
    if (this.accepting) this.dispatcher.start();
    return summary;
  }

  /** Background runs waiting in the store. */
  countQueued(): Promise<number> {
    return this.store.runs.countQueued();
  }

  /** Resolves with the run id once the run is committed. */
  async submit(submission: Submission): Promise<{ runId: string; replayed: boolean }> {
    if (!this.accepting) throw draining();
    const key = submission.idempotency;
    if (!key) return { runId: (await this.enqueue(submission)).runId, replayed: false };
    const execute = async (ticket: KeyTicket) => {
      const { runId, created } = await this.enqueue(submission, ticket);
      return { status: 202, body: '', contentType: 'application/json', runId, keep: true, storedByOperation: true, replayed: !created };
    };
    // The store keeps the key with the run, in one commit, and reports a key already
    // taken; only a full queue needs the claim first, so that a retry of a submission
    // already stored still gets its run rather than the 429.
    const full = (await this.store.runs.countQueued()) >= this.options.maxQueued;
    const { answer, replayed } = full
      ? await this.ledger.once('runs', key.key, key.hash, Date.now() + KEYED_SUBMIT_WAIT_MS, execute)
      : await this.ledger.onceStoredByOperation('runs', key.key, key.hash, execute);
    return { runId: answer.runId!, replayed };
  }

  get(runId: string): Promise<RunRecord | undefined> {
    return this.store.runs.get(runId);
  }

  /** The `seq` of the run's last stored event (0 before any): where a snapshot of the run stands in its stream. */
  lastEventSeq(runId: string): Promise<number> {
    return this.store.events.lastSeq(runId);
  }

  /** Newest first. */
  list(query: RunListQuery): Promise<RunRecord[]> {
    return this.store.runs.list(query);
  }

  /** Cancels a run; idempotent. Resolves with the record once the cancel took effect here. */
  async cancel(runId: string): Promise<RunRecord> {
    // Running here: stop it before anything is written, so its model connection closes at
    // once rather than after the cancel's commit; the store then records what it became.
    const reason = () => new SidecarError('cancelled', 'the run was cancelled by request');
    let stopping = this.dispatcher.abort(runId, reason());
    const cancelled = await this.store.runs.cancel(runId, Date.now());
    if (!cancelled) throw new SidecarError('not_found', `no run "${runId}"`);
    // Claimed here while the cancel was being committed: its attempt has begun by now.
    if (!stopping && cancelled.outcome === 'requested') stopping = this.dispatcher.abort(runId, reason());
    // Running on another replica (shared store): it stops at that replica's next heartbeat.
    if (!stopping) return cancelled.record;
    // Answer once its end is recorded.
    await stopping;
    return (await this.store.runs.get(runId)) ?? cancelled.record;
  }

  /**
   * Answers a run paused for input with a decision on the call it awaits,
   * and queues it again; 409 when it is not waiting (already answered,
   * cancelled, finished). Resolves with the record once the answer is kept.
   */
  async resume(runId: string, answer: ResumeRequest): Promise<RunRecord> {
    const record = await this.store.runs.get(runId);
    if (!record) throw new SidecarError('not_found', `no run "${runId}"`);
    if (record.status !== 'input_required' || !record.awaiting) {
      throw new SidecarError('conflict', `run "${runId}" is ${record.status}, not waiting for a decision`, { runId });
    }
    const decision = { decision: answer.decision, ...(answer.reason !== undefined && { reason: answer.reason }) };
    if (!(await this.store.runs.resume(runId, { key: `approval:${record.awaiting.call_id}`, data: JSON.stringify(decision) }))) {
      // Answered (or cancelled) by someone else in the meantime.
      throw new SidecarError('conflict', `run "${runId}" is no longer waiting for a decision`, { runId });
    }
    return (await this.store.runs.get(runId)) ?? record;
  }

  /**
   * Events of a run after `afterSeq`: stored ones, then new ones as they are
   * committed, each exactly once, until the run ends.
   */
  follow(runId: string, afterSeq: number, onEvent: (event: RunEvent, stored: StoredEvent) => void, onEnd: (error?: unknown) => void): () => void {
    return followRun(this.store, runId, afterSeq, onEvent, onEnd);
  }

  /** Drain: take no new runs; those running finish within the grace period or go back to the queue. */
  stopAccepting(): void {
    this.accepting = false;
    this.dispatcher.stop();
  }

  close(): void {
    this.accepting = false;
    this.dispatcher.close();
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
  }

  /** Serialises and checks one submission before it reaches the store, then writes it (with its key). */
  private async enqueue(submission: Submission, key?: KeyTicket): Promise<{ runId: string; created: boolean }> {
    const now = Date.now();
    const input = toStoredJson(submission.input, 'input');
    const metadata = toStoredJson(submission.metadata, 'metadata');
    const queued = await this.store.runs.countQueued();
    if (queued >= this.options.maxQueued) {
      throw new SidecarError('overloaded', `${queued} background runs are queued (the limit is ${this.options.maxQueued})`, { retryAfter: this.slots.retryAfterSeconds() });
    }
    const runId = newRunId(now);
    const result = await this.store.runs.submit(
      { id: runId, input, sessionId: submission.sessionId, metadata, maxAttempts: this.options.maxAttempts, timeoutMs: submission.timeoutMs, createdAt: now },
      key,
    );
    if (result.created) return { runId, created: true };
    // Another replica stored this key first, in the same moment.
    if (!key || result.bodyHash !== key.bodyHash) throw keyReused(key?.key ?? '');
    return { runId: result.runId, created: false };
  }

  private async cleanup(): Promise<void> {
    const now = Date.now();
    try {
      await this.store.keys.expire(now);
      await this.store.runs.purgeFinished(now - this.options.retentionMs);
    } catch (error) {
      this.log.warn({ err: error }, 'cannot delete expired background runs and keys');
    }
  }
}

function draining(): SidecarError {
  return new SidecarError('draining', 'the sidecar is shutting down; submit to another replica', { retryAfter: 1 });
}
