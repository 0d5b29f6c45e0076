/**
 * @module
 * The abort side of one logical call: the overall deadline, the caller's
 * `AbortSignal` and fan-out cancellation all end here, and undici, the
 * bulkhead queue and the backoff sleep listen to it.
 *
 * An `EventEmitter` rather than an `AbortController`: undici accepts either,
 * and on Node 20 creating an `AbortSignal` and adding and removing a listener
 * costs about 5 µs, paid on every call although almost no call is aborted.
 */
import { EventEmitter } from 'node:events';

export class CallSignal extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}
