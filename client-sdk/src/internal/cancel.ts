/**
 * @module
 * The one shape of cancellation inside the SDK. A call's deadline, the
 * caller's `AbortSignal` and fan-out cancellation all end in a
 * {@link CancelSource}; everything that waits (the bulkhead queue, backoff
 * sleeps, undici) listens to it through `onAbort`, which always hands back
 * the function that removes the listener.
 *
 * `AbortSignal` appears only at the public edges ({@link linkAbortSignal}):
 * on Node 20 creating one and adding and removing a listener costs about
 * 5 µs, paid on every call although almost no call is aborted. The source is
 * an `EventEmitter` so undici can listen to it directly (it accepts an
 * emitter with `aborted`, `reason` and an `'abort'` event).
 */
import { EventEmitter } from 'node:events';

/** What waiting code needs to know about a cancellation. */
export interface Cancellation {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** Calls `listener` once on abort (at once if already aborted); returns the function that unregisters it. */
  onAbort(listener: (reason: unknown) => void): () => void;
}

const NOTHING = (): void => undefined;

export class CancelSource extends EventEmitter implements Cancellation {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }

  onAbort(listener: (reason: unknown) => void): () => void {
    if (this.aborted) {
      listener(this.reason);
      return NOTHING;
    }
    const onAbort = () => listener(this.reason);
    this.once('abort', onAbort);
    return () => this.removeListener('abort', onAbort);
  }
}

/**
 * Aborts `target` when the public `signal` aborts (with `reason(signal)`),
 * and returns the function that unlinks them; call it when the work ends,
 * so a long-lived signal never collects one listener per call.
 */
export function linkAbortSignal(signal: AbortSignal | undefined, target: CancelSource, reason: (signal: AbortSignal) => unknown): () => void {
  if (signal === undefined) return NOTHING;
  if (signal.aborted) {
    target.abort(reason(signal));
    return NOTHING;
  }
  const onAbort = () => target.abort(reason(signal));
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** A public `AbortSignal` seen as a {@link Cancellation} (each `onAbort` removable). */
export function cancellationOf(signal: AbortSignal): Cancellation {
  return {
    get aborted() {
      return signal.aborted;
    },
    get reason() {
      return signal.reason as unknown;
    },
    onAbort(listener) {
      if (signal.aborted) {
        listener(signal.reason);
        return NOTHING;
      }
      const onAbort = () => listener(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      return () => signal.removeEventListener('abort', onAbort);
    },
  };
}
