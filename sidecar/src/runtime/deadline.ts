/**
 * @module
 * Turns the caller's budget (`Squire-Timeout-Ms`, capped) into an absolute
 * deadline and an AbortSignal whose reason says why the run stopped.
 */
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
 * An AbortController that aborts with `deadline_exceeded` at `deadline`, and
 * follows `parents` (caller gone, cancel, drain) with their own reasons.
 */
export class RunAbort {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly unlinks: Array<() => void> = [];

  constructor(readonly deadline: number, parents: AbortSignal[] = []) {
    const remaining = Math.max(0, deadline - Date.now());
    this.timer = setTimeout(() => this.abort(new SidecarError('deadline_exceeded', `the run passed its deadline of ${remaining} ms`)), remaining);
    for (const parent of parents) {
      if (parent.aborted) {
        this.abort(parent.reason);
        continue;
      }
      const onAbort = () => this.abort(parent.reason);
      parent.addEventListener('abort', onAbort, { once: true });
      this.unlinks.push(() => parent.removeEventListener('abort', onAbort));
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const unlink of this.unlinks) unlink();
  }
}

/** The reason an aborted signal carries, as a SidecarError. */
export function abortReason(signal: AbortSignal): SidecarError {
  const reason: unknown = signal.reason;
  if (reason instanceof SidecarError) return reason;
  return new SidecarError('cancelled', 'the run was cancelled', { cause: reason });
}
