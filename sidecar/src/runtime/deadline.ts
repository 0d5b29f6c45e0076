/**
 * @module
 * Turns the caller's budget (`Squire-Timeout-Ms`, capped) into an absolute
 * deadline and an AbortSignal whose reason says why the run stopped.
 */
import type { Cancellation } from '@squire/client/internal';
import { SidecarError } from '../errors.js';

export interface DeadlineLimits {
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
}

/** Parses `Squire-Timeout-Ms`; a malformed header is the caller's bug and answers 400. */
export function resolveTimeoutMs(header: string | undefined, limits: DeadlineLimits): number {
  if (header === undefined || header === '') return limits.defaultTimeoutMs;
  if (!/^\d{1,12}$/.test(header.trim())) {
    throw new SidecarError('invalid_request', `Squire-Timeout-Ms must be a positive integer of milliseconds, got "${header}"`);
  }
  const requested = Number(header.trim());
  if (requested <= 0) throw new SidecarError('deadline_exceeded', 'the caller has no time budget left');
  return Math.min(requested, limits.maxTimeoutMs);
}

/**
 * The one cancellation shape waiting code takes (slots, sleeps): cheaper
 * than an AbortSignal, shared with the SDK; `cancellationOf` adapts a signal.
 */
export type Abortable = Cancellation;

/**
 * Aborts a run with a reason that says why: `deadline_exceeded` at
 * `deadline`, or whatever `parents` (cancel, drain) or `abort()` say.
 * The AbortSignal agents see is created only when one is asked for: most
 * short runs never look at it, and an AbortController plus its listeners
 * is a measurable part of a short invoke.
 */
export class RunAbort implements Abortable {
  private abortedWith: { reason: unknown } | undefined;
  private controller: AbortController | undefined;
  private listeners: Array<(reason: unknown) => void> = [];
  private readonly timer: NodeJS.Timeout;
  /** Made only for parent signals: a plain invoke has none. */
  private unlinks: Array<() => void> | undefined;

  constructor(readonly deadline: number, parents: readonly AbortSignal[] = []) {
    const remaining = Math.max(0, deadline - Date.now());
    this.timer = setTimeout(() => this.abort(new SidecarError('deadline_exceeded', `the run passed its deadline of ${remaining} ms`)), remaining);
    for (const parent of parents) {
      if (parent.aborted) {
        this.abort(parent.reason);
        continue;
      }
      const onAbort = () => this.abort(parent.reason);
      parent.addEventListener('abort', onAbort, { once: true });
      (this.unlinks ??= []).push(() => parent.removeEventListener('abort', onAbort));
    }
  }

  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  get reason(): unknown {
    return this.abortedWith?.reason;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  onAbort(listener: (reason: unknown) => void): () => void {
    if (this.abortedWith) {
      listener(this.abortedWith.reason);
      return () => undefined;
    }
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index !== -1) this.listeners.splice(index, 1);
    };
  }

  abort(reason: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener(reason);
  }

  dispose(): void {
    clearTimeout(this.timer);
    if (this.unlinks) for (const unlink of this.unlinks) unlink();
  }
}

/** The reason an aborted run carries, as a SidecarError. */
export function abortReason(source: { reason: unknown }): SidecarError {
  const reason: unknown = source.reason;
  if (reason instanceof SidecarError) return reason;
  return new SidecarError('cancelled', 'the run was cancelled', { cause: reason });
}
