/**
 * @module
 * The only abortable sleep and timeout of the SDK and the sidecar. Both
 * clear their timer and remove their abort listener however they end, so a
 * loop that sleeps a thousand times against one long-lived signal leaves
 * nothing behind.
 */
import type { Cancellation } from './cancel.js';

/**
 * Resolves after `ms`, or rejects with the cancellation's reason as soon as
 * it aborts. `unref`: a sleep alone does not keep the process alive.
 */
export function sleep(ms: number, cancel?: Cancellation, options: { unref?: boolean } = {}): Promise<void> {
  if (cancel?.aborted) return Promise.reject(cancel.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unlink?.();
      resolve();
    }, Math.max(0, ms));
    if (options.unref) timer.unref();
    // Not aborted yet (checked above), so the listener cannot run before `timer` exists.
    const unlink = cancel?.onAbort((reason) => {
      clearTimeout(timer);
      reject(reason);
    });
  });
}

/**
 * Settles with `promise`, or with `onTimeout()` when `ms` passes first: its
 * value, or what it throws (a timeout error). The timer is cleared either way.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error as Error);
      }
    }, Math.max(0, ms));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error as Error);
      },
    );
  });
}
