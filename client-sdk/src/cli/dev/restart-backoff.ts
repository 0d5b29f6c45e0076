/**
 * @module
 * When `squire dev` restarts a crashed sidecar: after `initialDelayMs`, then
 * twice as long after each crash in a row, up to `maxDelayMs`; a process that
 * stayed up `resetAfterMs` starts again from the first delay (Kubernetes'
 * CrashLoopBackOff, with development-sized numbers). Pure: the clock comes in.
 */
import type { RestartPolicy } from '../../app-file/app-file.js';

export class RestartBackoff {
  private crashesInARow = 0;
  private startedAt = 0;

  constructor(private readonly policy: RestartPolicy) {}

  /** A process (re)started at `now`. */
  started(now: number): void {
    this.startedAt = now;
  }

  /** The process crashed at `now`: how long to wait before the next start, and which restart that is. */
  crashed(now: number): { delayMs: number; restart: number } {
    if (now - this.startedAt >= this.policy.resetAfterMs) this.crashesInARow = 0;
    this.crashesInARow += 1;
    const delayMs = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (this.crashesInARow - 1));
    return { delayMs, restart: this.crashesInARow };
  }
}
