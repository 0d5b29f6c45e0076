/**
 * @module
 * Slots: at most `capacity` runs at once, and a bounded FIFO of sync callers
 * waiting for one until their deadline. Background runs take a slot only when
 * no sync caller waits (`tryAcquire`), because a sync caller holds a connection
 * and a deadline while a queued background run is safe on disk.
 */
import { SidecarError } from '../errors.js';
import type { Abortable } from './deadline.js';

export type Release = () => void;

interface Waiter {
  resolve(release: Release): void;
  reject(error: unknown): void;
  cleanup(): void;
}

export class Slots {
  private inUse = 0;
  private readonly waiters: Waiter[] = [];
  private readonly availableListeners = new Set<() => void>();
  /** Exponentially weighted mean of recent run durations, for `Retry-After`. */
  private meanRunMs = 100;

  constructor(
    readonly capacity: number,
    readonly queueMax: number,
  ) {}

  get used(): number {
    return this.inUse;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Seconds a rejected caller should wait, from recent run times and the backlog. */
  retryAfterSeconds(): number {
    const backlog = this.waiters.length + this.inUse;
    return Math.max(1, Math.ceil((this.meanRunMs * Math.max(1, backlog / this.capacity)) / 1000));
  }

  recordRunDuration(ms: number): void {
    this.meanRunMs = this.meanRunMs * 0.8 + ms * 0.2;
  }

  tryAcquire(): Release | undefined {
    if (this.inUse >= this.capacity || this.waiters.length > 0) return undefined;
    this.inUse += 1;
    return this.releaser();
  }

  /**
   * Waits for a slot until `abort` fires. Throws `overloaded` at once when
   * the wait queue is full, or the abort reason when it fires first.
   */
  acquire(abort: Abortable): Promise<Release> {
    if (abort.aborted) return Promise.reject(abort.reason);
    if (this.inUse < this.capacity && this.waiters.length === 0) {
      this.inUse += 1;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.queueMax) {
      return Promise.reject(
        new SidecarError('overloaded', `all ${this.capacity} slots are busy and ${this.queueMax} callers wait`, {
          retryAfter: this.retryAfterSeconds(),
        }),
      );
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, cleanup: () => undefined };
      this.waiters.push(waiter);
      waiter.cleanup = abort.onAbort((reason) => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(reason);
      });
    });
  }

  /** Calls `listener` whenever a slot frees up with no sync caller waiting. */
  onAvailable(listener: () => void): () => void {
    this.availableListeners.add(listener);
    return () => this.availableListeners.delete(listener);
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) {
        next.cleanup();
        next.resolve(this.releaser());
        return;
      }
      this.inUse -= 1;
      for (const listener of this.availableListeners) listener();
    };
  }
}
