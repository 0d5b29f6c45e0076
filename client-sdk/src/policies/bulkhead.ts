/**
 * @module
 * In-flight limit per sidecar: at most `maxInFlight` calls at once, with up
 * to `maxQueued` waiting (until their signal aborts); past that a call fails
 * fast instead of piling up behind a slow sidecar.
 */
import type { Cancellation } from '../internal/cancel.js';

export class Bulkhead {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly maxInFlight: number,
    readonly maxQueued: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * A place if one is free now, else `undefined`; synchronous so the common
   * case costs no promise.
   */
  tryEnter(): (() => void) | undefined {
    if (this.active >= this.maxInFlight) return undefined;
    this.active += 1;
    return this.releaser();
  }

  /** Resolves with a release function; resolves `undefined` when full (fail fast). */
  async enter(cancel: Cancellation | undefined): Promise<(() => void) | undefined> {
    const place = this.tryEnter();
    if (place) return place;
    if (this.waiting.length >= this.maxQueued) return undefined;
    if (cancel?.aborted) throw cancel.reason;
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        unlink?.();
        resolve();
      };
      this.waiting.push(wake);
      // Not aborted yet (checked above): the listener runs only later, and `wake` only from another call.
      const unlink = cancel?.onAbort((reason) => {
        const index = this.waiting.indexOf(wake);
        if (index !== -1) this.waiting.splice(index, 1);
        reject(reason);
      });
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    };
  }
}
