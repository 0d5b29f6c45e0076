/**
 * @module
 * Turns per key inside one process: `take(key)` waits until every earlier
 * taker of the same key released it, first come first served. A waiter
 * whose signal aborts leaves the line without blocking those behind it.
 * Session holds are built on it (one run per session at a time).
 */
export class KeyedTurns {
  /** Per key, the promise that settles when the last taker in line releases. */
  private readonly tails = new Map<string, Promise<void>>();

  async take(key: string, signal: AbortSignal): Promise<() => void> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = (previous ?? Promise.resolve()).then(() => mine);
    this.tails.set(key, tail);
    let released = false;
    const releaseOnce = () => {
      if (released) return;
      released = true;
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    if (previous) {
      try {
        await waitOrAbort(previous, signal);
      } catch (error) {
        // Our place in line must not block those behind us.
        releaseOnce();
        throw error;
      }
    } else if (signal.aborted) {
      releaseOnce();
      throw signal.reason;
    }
    return releaseOnce;
  }

  /** Keys someone holds or waits for (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}

function waitOrAbort(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
