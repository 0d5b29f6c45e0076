/**
 * @module
 * The sidecar's only abortable sleep and timeout. Both clear their timer and
 * remove their abort listener however they end, and take the sidecar's one
 * cancellation shape (`Abortable`, which a run's `RunAbort` is and
 * `abortableFromSignal` adapts an `AbortSignal` to).
 */
import type { Abortable } from './deadline.js';

/**
 * Resolves after `ms`, or rejects with the abort reason as soon as `abort`
 * fires. `unref`: the sleep alone does not keep the process alive.
 */
export function sleep(ms: number, abort?: Abortable, options: { unref?: boolean } = {}): Promise<void> {
  if (abort?.aborted) return Promise.reject(abort.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unlink?.();
      resolve();
    }, Math.max(0, ms));
    if (options.unref) timer.unref();
    // Not aborted yet (checked above), so the listener cannot run before `timer` exists.
    const unlink = abort?.onAbort((reason) => {
      clearTimeout(timer);
      reject(reason);
    });
  });
}

/**
 * Settles with `promise`, or with `onTimeout()` (its value, or what it
 * throws) when `ms` passes first. The timer is cleared either way.
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
