/**
 * @module
 * Durable background runs: submission (acknowledged once on disk), the
 * dispatcher that takes queued runs into free slots, crash recovery, cancel,
 * live and replayed event streams, drain, and retention.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { isTerminalRunStatus, type RunEvent, type RunRecord, type RunStatus } from '@squire/client/contract';
import { SidecarError, isSidecarError } from '../errors.js';
import type { Lifecycle } from '../runtime/lifecycle.js';
import type { RunExecutor } from '../runtime/run-executor.js';
import { RunEventChannel } from '../runtime/run-events.js';
import { newRunId } from '../runtime/ids.js';
import type { Slots } from '../runtime/slots.js';
import type { RunStore } from '../store/run-store.js';

export interface BackgroundRunsOptions {
  maxQueued: number;
  maxAttempts: number;
  retentionMs: number;
  idempotencyTtlMs: number;
}

export interface Submission {
  input: unknown;
  sessionId: string | undefined;
  metadata: Record<string, string>;
  timeoutMs: number;
  idempotency?: { key: string; hash: string } | undefined;
}

export class BackgroundRuns {
  private readonly queue: string[] = [];
  private readonly running = new Map<string, { abort: AbortController; settled: Promise<void> }>();
  /** Live events by run id, for SSE followers. */
  private readonly live = new EventEmitter();
  private readonly pendingKeys = new Map<string, Promise<string>>();
  private accepting = true;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private unsubscribeSlots: (() => void) | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly executor: RunExecutor,
    private readonly slots: Slots,
    private readonly lifecycle: Lifecycle,
    private readonly log: Logger,
    private readonly options: BackgroundRunsOptions,
  ) {
    this.live.setMaxListeners(0);
  }

  /** Recovers what a previous process left, then starts dispatching. */
  start(): { resumed: number; retried: number; failed: number } {
    const { requeued, failed } = this.store.recover(Date.now());
    this.queue.push(...this.store.queuedIds());
    const summary = { resumed: this.queue.length - requeued, retried: requeued, failed };
    if (this.queue.length > 0 || failed > 0) this.log.info(summary, 'background runs recovered from the data dir');
    this.unsubscribeSlots = this.slots.onAvailable(() => this.pump());
    this.cleanupTimer = setInterval(() => this.store.cleanup(Date.now(), this.options.retentionMs), 60_000);
    this.cleanupTimer.unref();
    this.store.cleanup(Date.now(), this.options.retentionMs);
    this.pump();
    return summary;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves with the run id once the run is on disk. */
  async submit(submission: Submission): Promise<{ runId: string; replayed: boolean }> {
    if (!this.accepting) throw new SidecarError('draining', 'the sidecar is shutting down; submit to another replica', { retryAfter: 1 });
    const key = submission.idempotency;
    if (key) {
      const pending = this.pendingKeys.get(key.key);
      if (pending) return { runId: await pending, replayed: true };
      const stored = this.store.idempotencyRecord('runs', key.key, Date.now());
      if (stored) {
        if (stored.bodyHash !== key.hash) throw new SidecarError('idempotency_key_reused', `Idempotency-Key "${key.key}" was used with a different request body`);
        if (stored.runId) return { runId: stored.runId, replayed: true };
      }
    }
    if (this.queue.length >= this.options.maxQueued) {
      throw new SidecarError('overloaded', `${this.queue.length} background runs are queued (the limit is ${this.options.maxQueued})`, { retryAfter: this.slots.retryAfterSeconds() });
    }
    const runId = newRunId();
    const written = this.store
      .enqueue(
        { id: runId, input: submission.input, sessionId: submission.sessionId, metadata: submission.metadata, maxAttempts: this.options.maxAttempts, timeoutMs: submission.timeoutMs, createdAt: Date.now() },
        key && { scope: 'runs', key: key.key, hash: key.hash, expiresAt: Date.now() + this.options.idempotencyTtlMs },
      )
      .then(() => runId);
    if (key) this.pendingKeys.set(key.key, written);
    try {
      await written;
    } finally {
      if (key) this.pendingKeys.delete(key.key);
    }
    this.queue.push(runId);
    this.pump();
    return { runId, replayed: false };
  }

  get(runId: string): RunRecord | undefined {
    return this.store.get(runId);
  }

  /** The `seq` of the run's last stored event (0 before any): where a snapshot of the run stands in its stream. */
  lastEventSeq(runId: string): number {
    return this.store.lastSeq(runId);
  }

  /** Newest first. */
  list(options: Parameters<RunStore['list']>[0]): RunRecord[] {
    return this.store.list(options);
  }

  /** Cancels a run; idempotent. Resolves with the record once the cancel took effect. */
  async cancel(runId: string): Promise<RunRecord> {
    const record = this.store.get(runId);
    if (!record) throw new SidecarError('not_found', `no run "${runId}"`);
    if (record.status === 'queued' && this.store.cancelQueued(runId, Date.now())) {
      const index = this.queue.indexOf(runId);
      if (index !== -1) this.queue.splice(index, 1);
      this.publishStored(runId, { type: 'run.failed', error: new SidecarError('cancelled', 'the run was cancelled before it started', { runId }).toProblem() });
    }
    const running = this.running.get(runId);
    if (running) {
      running.abort.abort(new SidecarError('cancelled', 'the run was cancelled by request'));
      await running.settled;
    }
    return this.store.get(runId)!;
  }

  /**
   * Events of a run after `afterSeq`: stored ones first, then live ones,
   * each exactly once, until the run ends. Returns a stop function.
   */
  follow(runId: string, afterSeq: number, onEvent: (event: RunEvent) => void, onEnd: () => void): () => void {
    let last = afterSeq;
    let ended = false;
    const buffered: RunEvent[] = [];
    let replaying = true;
    const deliver = (event: RunEvent) => {
      if (ended || event.seq <= last) return;
      last = event.seq;
      onEvent(event);
      if (event.type === 'run.completed' || event.type === 'run.failed') finish();
    };
    const onLive = (event: RunEvent) => (replaying ? buffered.push(event) : deliver(event));
    const finish = () => {
      if (ended) return;
      ended = true;
      this.live.off(runId, onLive);
      onEnd();
    };
    // Subscribe before reading the log, so nothing published in between is missed.
    this.live.on(runId, onLive);
    for (const event of this.store.eventsAfter(runId, afterSeq)) deliver(event);
    replaying = false;
    for (const event of buffered) deliver(event);
    if (!ended) {
      const status = this.store.get(runId)?.status;
      if (status && isTerminalRunStatus(status) && !this.running.has(runId)) finish();
    }
    return finish;
  }

  /** Drain: take no new runs; those running finish within the grace period or go back to the queue. */
  stopAccepting(): void {
    this.accepting = false;
  }

  close(): void {
    this.accepting = false;
    this.unsubscribeSlots?.();
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
  }

  private pump(): void {
    while (this.accepting && this.queue.length > 0) {
      const slot = this.slots.tryAcquire();
      if (!slot) return;
      const runId = this.queue.shift()!;
      if (!this.store.claim(runId, Date.now())) {
        slot();
        continue;
      }
      this.execute(runId, slot);
    }
  }

  private execute(runId: string, slot: () => void): void {
    const stored = this.store.getStored(runId)!;
    const events = new RunEventChannel(runId, this.store.lastSeq(runId));
    events.subscribe((event) => {
      this.store.appendEvent(event);
      this.live.emit(runId, event);
    });
    const abort = new AbortController();
    const done = this.lifecycle.track();
    const settled = (async () => {
      let status: RunStatus;
      try {
        events.publish({ type: 'run.started', attempt: stored.attempt });
        let input: unknown;
        try {
          input = this.executor.validateInput(stored.input);
        } catch (error) {
          slot();
          throw error;
        }
        const outcome = await this.executor.execute({
          runId,
          input,
          sessionId: stored.sessionId,
          metadata: stored.metadata,
          attempt: stored.attempt,
          deadline: Date.now() + stored.timeoutMs,
          signals: [abort.signal],
          events,
          kind: 'background',
          slot,
        });
        const result = { run_id: runId, status: 'succeeded' as const, output: outcome.output, usage: outcome.usage, timing: outcome.timing, attempt: stored.attempt };
        this.store.finish(runId, stored.attempt, 'succeeded', { output: outcome.output, usage: outcome.usage }, Date.now());
        events.publish({ type: 'run.completed', result });
        status = 'succeeded';
      } catch (error) {
        const failure = isSidecarError(error) ? error.withRunId(runId) : new SidecarError('internal_error', 'the run failed unexpectedly', { cause: error, runId });
        if (failure.code === 'draining' && this.lifecycle.phase === 'draining') {
          // Not the run's fault: the next process runs it again, as the same attempt.
          this.store.requeue(runId, stored.attempt);
          this.log.info({ runId }, 'background run put back in the queue for the next process');
          return;
        }
        status = failure.code === 'deadline_exceeded' ? 'timed_out' : failure.code === 'cancelled' ? 'cancelled' : 'failed';
        this.store.finish(runId, stored.attempt, status, { error: { code: failure.code, message: failure.message, retryable: failure.retryable } }, Date.now());
        events.publish({ type: 'run.failed', error: failure.toProblem() });
      } finally {
        this.store.flushEvents();
        this.running.delete(runId);
        done();
        this.pump();
      }
    })();
    this.running.set(runId, { abort, settled });
  }

  /** Publishes an event for a run that is not executing (e.g. cancelled while queued). */
  private publishStored(runId: string, draft: Parameters<RunEventChannel['publish']>[0]): void {
    const channel = new RunEventChannel(runId, this.store.lastSeq(runId));
    channel.subscribe((event) => {
      this.store.appendEvent(event);
      this.live.emit(runId, event);
    });
    channel.publish(draft);
    this.store.flushEvents();
  }
}
