/**
 * @module
 * The sidecar's phase (starting → ready → draining → stopped) and the work in
 * flight, which graceful drain waits for.
 */
import { SidecarError } from '../errors.js';
import { withTimeout } from '@squire/client/internal';

export type Phase = 'starting' | 'ready' | 'draining' | 'stopped';

export class Lifecycle {
  private current: Phase = 'starting';
  private inFlightCount = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly drainController = new AbortController();
  private readonly runAborts = new Set<(reason: unknown) => void>();

  get phase(): Phase {
    return this.current;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Runs registered to abort at the end of a drain: the runs going on now, and nothing else. */
  get registeredRuns(): number {
    return this.runAborts.size;
  }

  /** Aborts (reason `draining`) when the grace period is over and runs must stop. */
  get drainSignal(): AbortSignal {
    return this.drainController.signal;
  }

  markReady(): void {
    if (this.current === 'starting') this.current = 'ready';
  }

  startDrain(): void {
    if (this.current === 'starting' || this.current === 'ready') this.current = 'draining';
  }

  markStopped(): void {
    this.current = 'stopped';
  }

  /** Throws 503 unless new work is welcome now. */
  assertAcceptingWork(): void {
    if (this.current === 'draining' || this.current === 'stopped') {
      throw new SidecarError('draining', 'the sidecar is shutting down; send this call to another replica', { retryAfter: 1 });
    }
    if (this.current === 'starting') {
      throw new SidecarError('not_ready', 'the sidecar is still starting', { retryAfter: 1 });
    }
  }

  /** Counts one piece of work until the returned function is called. */
  track(): () => void {
    this.inFlightCount += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlightCount -= 1;
      if (this.inFlightCount === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) wake();
      }
    };
  }

  /** Resolves true when nothing is in flight, false if `timeoutMs` passes first. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlightCount === 0) return Promise.resolve(true);
    let onIdle = (): void => undefined;
    const idle = new Promise<boolean>((resolve) => {
      onIdle = () => resolve(true);
      this.idleWaiters.push(onIdle);
    });
    return withTimeout(idle, timeoutMs, () => {
      this.idleWaiters = this.idleWaiters.filter((wake) => wake !== onIdle);
      return false;
    });
  }

  /**
   * Registers a run to abort when the grace period ends; returns the
   * unregister function. A Set entry is far cheaper per run than a listener
   * on `drainSignal`.
   */
  registerRun(abort: (reason: unknown) => void): () => void {
    this.runAborts.add(abort);
    return () => this.runAborts.delete(abort);
  }

  /** Grace is over: every run still going sees `ctx.signal` abort with `draining`. */
  abortRemaining(): void {
    const reason = new SidecarError('draining', 'the sidecar stopped before the run finished');
    for (const abort of [...this.runAborts]) abort(reason);
    this.drainController.abort(reason);
  }
}
