/**
 * @module
 * In-flight limit per sidecar: at most `maxInFlight` calls at once, with up
 * to `maxQueued` waiting (until their signal aborts); past that a call fails
 * fast instead of piling up behind a slow sidecar.
 */

/** What a queued wait can be cancelled by (the channel's `CallSignal` fits). */
export interface Abortable {
  readonly aborted: boolean;
  readonly reason: unknown;
  once(event: 'abort', listener: () => void): unknown;
  removeListener(event: 'abort', listener: () => void): unknown;
}

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
  async enter(signal: Abortable | undefined): Promise<(() => void) | undefined> {
    const place = this.tryEnter();
    if (place) return place;
    if (this.waiting.length >= this.maxQueued) return undefined;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(wake);
        if (index !== -1) this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      const wake = () => {
        signal?.removeListener('abort', onAbort);
        resolve();
      };
      signal?.once('abort', onAbort);
      this.waiting.push(wake);
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
