/**
 * @module
 * The consumer side of durable runs: claims queued runs into free slots,
 * executes each attempt, records its events and its end through the store,
 * and keeps its leases alive. It is written as one of possibly many
 * competing consumers of one store: it learns of queued runs from the
 * store's wake-ups (whoever queued them), renews the leases of the runs it
 * executes on a heartbeat, stops a run whose lease it lost (another replica
 * resumes it) or whose cancel was requested elsewhere, and on the same
 * heartbeat reclaims the runs of owners that died.
 */
import type { Logger } from 'pino';
import type { RunEvent, RunEventDraft, Usage } from '@squire/client/contract';
import { SidecarError, isSidecarError } from '../errors.js';
import type { Lifecycle } from '../runtime/lifecycle.js';
import { usageOfFailure, type RunExecutor } from '../runtime/run-executor.js';
import { RunEventChannel } from '../runtime/run-events.js';
import type { Release, Slots } from '../runtime/slots.js';
import type { ClaimedRun, Lease, RunResult, Store, StoredEvent } from '../store/store.js';
import { RunPaused, storeJournal } from '../runtime/step-journal.js';
import { traceIdOfRun } from '../telemetry/trace-context.js';

export interface RunDispatcherOptions {
  /** How long a claim holds without renewal; the heartbeat renews every third of it. */
  leaseMs: number;
  /** Most runs taken by one claim. @default 16 */
  claimBatch?: number;
  /** How long a run paused for input waits for a decision. @default 86400000 */
  inputTimeoutMs?: number;
}

export const DEFAULT_INPUT_TIMEOUT_MS = 24 * 3600_000;

interface Attempt {
  abort: AbortController;
  settled: Promise<void>;
  /** Another owner has the run now: record nothing more for it. */
  lost: boolean;
}

export class RunDispatcher {
  private readonly attempts = new Map<string, Attempt>();
  private accepting = false;
  private claiming = false;
  private claimAgain = false;
  /** Whether queued runs may exist; cleared by a claim that found fewer than it asked for. */
  private mayHaveQueued = false;
  /** Bumped by each queue wake-up, so a claim that raced one does not clear `mayHaveQueued`. */
  private queueGeneration = 0;
  private ignoreSlotWakes = false;
  private beating = false;
  private reclaiming = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    private readonly executor: RunExecutor,
    private readonly slots: Slots,
    private readonly lifecycle: Lifecycle,
    private readonly log: Logger,
    private readonly options: RunDispatcherOptions,
  ) {}

  start(): void {
    this.accepting = true;
    this.unsubscribes.push(
      this.slots.onAvailable(() => {
        if (!this.ignoreSlotWakes) this.wake();
      }),
      this.store.runs.watchQueue(() => this.queueMayHaveRuns()),
    );
    this.heartbeat = setInterval(() => void this.beat(), Math.max(100, Math.floor(this.options.leaseMs / 3)));
    this.heartbeat.unref();
    // Counted after subscribing, so no submission falls between the two. A claim
    // with nothing to take would only hold slots that sync calls may want.
    this.store.runs.countQueued().then(
      (queued) => queued > 0 && this.queueMayHaveRuns(),
      () => this.queueMayHaveRuns(),
    );
  }

  /** Drain: claim nothing more; attempts under way finish or go back to the queue. */
  stop(): void {
    this.accepting = false;
  }

  close(): void {
    this.stop();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    if (this.heartbeat) clearInterval(this.heartbeat);
  }

  /** Aborts an attempt executing here; resolves once it recorded its end. Undefined if none executes here. */
  abort(runId: string, reason: unknown): Promise<void> | undefined {
    const attempt = this.attempts.get(runId);
    if (!attempt) return undefined;
    attempt.abort.abort(reason);
    return attempt.settled;
  }

  wake(): void {
    void this.claimWhileSlotsFree();
  }

  private queueMayHaveRuns(): void {
    this.queueGeneration += 1;
    this.mayHaveQueued = true;
    this.wake();
  }

  private async claimWhileSlotsFree(): Promise<void> {
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    try {
      do {
        this.claimAgain = false;
        while (this.accepting && this.mayHaveQueued && (await this.claimOnce()));
      } while (this.claimAgain && this.accepting);
    } finally {
      this.claiming = false;
    }
  }

  /** Takes queued runs into the free slots; true if it filled every slot it had. */
  private async claimOnce(): Promise<boolean> {
    const slots: Release[] = [];
    const batch = this.options.claimBatch ?? 16;
    for (let slot = this.slots.tryAcquire(); slot; slot = slots.length < batch ? this.slots.tryAcquire() : undefined) slots.push(slot);
    if (slots.length === 0) return false;
    const asked = slots.length;
    const generation = this.queueGeneration;
    let claimed: ClaimedRun[] = [];
    let failed = false;
    try {
      claimed = await this.store.runs.claimNext(Date.now(), this.options.leaseMs, slots.length);
    } catch (error) {
      // Left queued: the next heartbeat tries again.
      failed = true;
      this.log.warn({ err: error }, 'cannot claim queued background runs');
    }
    if (!failed && claimed.length < asked && generation === this.queueGeneration) this.mayHaveQueued = false;
    this.ignoreSlotWakes = true;
    try {
      for (const spare of slots.splice(claimed.length)) spare();
    } finally {
      this.ignoreSlotWakes = false;
    }
    claimed.forEach((run, i) => this.execute(run, slots[i]!));
    return claimed.length === asked;
  }

  private execute(run: ClaimedRun, slot: Release): void {
    const done = this.lifecycle.track();
    const attempt: Attempt = { abort: new AbortController(), settled: Promise.resolve(), lost: false };
    this.attempts.set(run.lease.runId, attempt);
    attempt.settled = this.runAttempt(run, slot, attempt)
      .catch((error: unknown) => this.log.error({ err: error, ...this.runFields(run.lease.runId) }, 'background run attempt failed unexpectedly'))
      .finally(() => {
        this.attempts.delete(run.lease.runId);
        done();
        this.wake();
      });
  }

  private async runAttempt(run: ClaimedRun, slot: Release, attempt: Attempt): Promise<void> {
    // The slot frees once the agent settled *and* the attempt's end is recorded: until then
    // the run is still `running` in the store, and a crash would run it again, so at most
    // `slots` runs are ever cut off at once.
    const [agentSettled, attemptRecorded] = releaseWhenBoth(slot);
    try {
      await this.recordAttempt(run, agentSettled, attempt);
    } finally {
      attemptRecorded();
    }
  }

  private async recordAttempt(run: ClaimedRun, slot: Release, attempt: Attempt): Promise<void> {
    const { lease } = run;
    const runId = lease.runId;
    const events = new RunEventChannel(runId, run.started.seq);
    const appender = new EventAppender(this.store, lease, this.log, this.runFields(runId));
    const unsubscribe = events.subscribe((event) => appender.add(event));
    const ending = await this.endingOf(run, slot, attempt, events);
    unsubscribe();
    await appender.flushed();
    if (ending === 'lost') {
      this.log.warn({ ...this.runFields(runId), attempt: lease.attempt }, 'background run stopped: another owner holds it now');
      return;
    }
    if (ending instanceof RunPaused) {
      // The slot frees with this attempt's end: a paused run waits on disk, holding nothing.
      const until = Date.now() + (this.options.inputTimeoutMs ?? DEFAULT_INPUT_TIMEOUT_MS);
      const awaiting = { ...ending.awaiting, expires_at: new Date(until).toISOString() };
      const event = storedEvent(events.publish({ type: 'run.input_required', awaiting }));
      const paused = event && (await this.record('pause', runId, () => this.store.runs.pause(lease, JSON.stringify(awaiting), event, until)));
      if (paused) this.log.info({ ...this.runFields(runId), tool: awaiting.tool }, 'background run paused for a decision');
      else this.log.warn(this.runFields(runId), 'background run pause not recorded: the run is no longer held by this attempt');
      return;
    }
    if (ending === 'requeue') {
      // Not the run's fault: the next owner runs it again, as the same attempt.
      await this.record('requeue', runId, () => this.store.runs.requeue(lease));
      this.log.info(this.runFields(runId), 'background run put back in the queue for the next process');
      return;
    }
    const terminal = storedEvent(events.publish(ending.draft))!;
    const recorded = await this.record('finish', runId, () => this.store.runs.finish(lease, ending.result, terminal, Date.now()));
    if (recorded === false) this.log.warn({ ...this.runFields(runId), attempt: lease.attempt }, 'background run result not recorded: the run is no longer held by this attempt');
  }

  /** Runs the agent; how the attempt ends: a result to record, back to the queue (drain), or lost to another owner. */
  private async endingOf(run: ClaimedRun, slot: Release, attempt: Attempt, events: RunEventChannel): Promise<Ending | RunPaused | 'requeue' | 'lost'> {
    const { runId, attempt: number } = run.lease;
    try {
      let input: unknown;
      let recorded;
      try {
        input = this.executor.validateInput(run.input);
        recorded = await this.store.journal.read(runId);
      } catch (error) {
        slot();
        throw error;
      }
      const outcome = await this.executor.execute({
        runId,
        input,
        sessionId: run.sessionId,
        metadata: run.metadata,
        attempt: number,
        deadline: Date.now() + run.timeoutMs,
        signals: [attempt.abort.signal],
        events,
        kind: 'background',
        slot,
        journal: storeJournal(this.store.journal, run.lease, recorded),
      });
      const result = { run_id: runId, status: 'succeeded' as const, output: outcome.output, usage: outcome.usage, timing: outcome.timing, attempt: number };
      const output = serialized(outcome.output);
      // The output passed its schema but may still not be storable (e.g. nested too deeply).
      if (output === undefined || serialized(result) === undefined) return failureEnding(new SidecarError('agent_error', "the agent's output could not be stored as JSON", { runId }));
      return { result: { status: 'succeeded', output, usage: JSON.stringify(outcome.usage) }, draft: { type: 'run.completed', result } };
    } catch (error) {
      if (attempt.lost) return 'lost';
      if (error instanceof RunPaused) return error;
      const failure = isSidecarError(error) ? error.withRunId(runId) : new SidecarError('internal_error', 'the run failed unexpectedly', { cause: error, runId });
      if (failure.code === 'draining' && this.lifecycle.phase === 'draining') return 'requeue';
      return failureEnding(failure, usageOfFailure(error));
    }
  }

  /** What every line about a background run carries; its trace id is the one its run spans use (see `traceIdOfRun`). */
  private runFields(runId: string): Record<string, string> {
    return { agent: this.executor.agentName, run_id: runId, trace_id: traceIdOfRun(runId) };
  }

  private async record<T>(what: string, runId: string, write: () => Promise<T>): Promise<T | undefined> {
    try {
      return await write();
    } catch (error) {
      // Left running in the store: once its lease lapses it is reclaimed and retried.
      this.log.error({ err: error, ...this.runFields(runId) }, `cannot ${what} a background run`);
      return undefined;
    }
  }

  /** Heartbeat: renew leases, stop what was lost or cancelled elsewhere, reclaim dead owners' runs. */
  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const runIds = [...this.attempts.keys()];
      if (runIds.length > 0) {
        const { lost, cancelRequested } = await this.store.runs.renew(runIds, Date.now(), this.options.leaseMs);
        for (const runId of lost) {
          const attempt = this.attempts.get(runId);
          if (!attempt) continue;
          attempt.lost = true;
          attempt.abort.abort(new SidecarError('conflict', 'this sidecar lost the run to another owner'));
        }
        for (const runId of cancelRequested) this.attempts.get(runId)?.abort.abort(new SidecarError('cancelled', 'the run was cancelled by request'));
      }
    } catch (error) {
      this.log.warn({ err: error }, 'background run heartbeat failed');
    } finally {
      this.beating = false;
    }
    // Not awaited by the renewal: a slow reclaim must never delay the next renewal past the lease.
    void this.reclaim();
    // Retries a claim that failed (the store was unavailable) once the store answers again.
    this.wake();
  }

  /** Puts the runs of owners that stopped back in the queue; one reclaim at a time. */
  private async reclaim(): Promise<void> {
    if (this.reclaiming) return;
    this.reclaiming = true;
    try {
      const { requeued, failed } = await this.store.runs.reclaimExpired(Date.now());
      if (requeued > 0 || failed > 0) this.log.info({ requeued, failed }, 'reclaimed background runs of an owner that stopped');
    } catch (error) {
      this.log.warn({ err: error }, 'cannot reclaim background runs of an owner that stopped');
    } finally {
      this.reclaiming = false;
    }
  }
}

/** Two releases, each idempotent, that free `slot` once both were called. */
function releaseWhenBoth(slot: Release): [Release, Release] {
  let pending = 2;
  const part = (): Release => {
    let called = false;
    return () => {
      if (called) return;
      called = true;
      pending -= 1;
      if (pending === 0) slot();
    };
  };
  return [part(), part()];
}

interface Ending {
  result: RunResult;
  draft: RunEventDraft;
}

function failureEnding(failure: SidecarError, usage?: Usage): Ending {
  const status = failure.code === 'deadline_exceeded' ? 'timed_out' : failure.code === 'cancelled' ? 'cancelled' : 'failed';
  return {
    result: { status, error: { code: failure.code, message: failure.message, retryable: failure.retryable }, ...(usage && { usage: JSON.stringify(usage) }) },
    draft: { type: 'run.failed', error: failure.toProblem() },
  };
}

/** JSON text of `value`; undefined when it cannot be serialised (circular, too deep). */
function serialized(value: unknown): string | undefined {
  try {
    return JSON.stringify(value ?? null);
  } catch {
    return undefined;
  }
}

/** The event as the store keeps it; undefined when it cannot be serialised. */
function storedEvent(event: RunEvent): StoredEvent | undefined {
  const data = serialized(event);
  return data === undefined ? undefined : { seq: event.seq, type: event.type, data };
}

/**
 * Batches an attempt's events of one tick into one append, in order. An
 * event that cannot be serialised (an agent emitted something circular or
 * too deep) keeps its number as a `run.progress` that says so, so the
 * sequence has no gap and nobody else's writes are touched.
 */
class EventAppender {
  private buffer: StoredEvent[] = [];
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly lease: Lease,
    private readonly log: Logger,
    private readonly fields: Record<string, string>,
  ) {}

  add(event: RunEvent): void {
    const stored =
      storedEvent(event) ??
      storedEvent({ type: 'run.progress', run_id: event.run_id, seq: event.seq, data: { error: `a ${event.type} event could not be stored as JSON` } })!;
    if (this.buffer.length === 0) queueMicrotask(() => this.flush());
    this.buffer.push(stored);
  }

  /** Resolves once every event added so far was committed (or failed). */
  async flushed(): Promise<void> {
    this.flush();
    await this.last;
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    this.last = this.store.events.append(this.lease, events).catch((error: unknown) => {
      this.log.warn({ err: error, ...this.fields }, 'cannot store events of a background run');
    });
  }
}
