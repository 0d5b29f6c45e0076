/**
 * @module
 * Who runs on a session when several runs want it at once, inside this
 * process: one holder at a time, and the newcomer's policy decides what
 * happens when the session is busy.
 * - `reject`: 409 `session_busy` at once;
 * - `enqueue`: waits its turn, first come first served, at most `queueMax`
 *   waiting per session (429 `session_queue_full` beyond), until its signal
 *   (the run's deadline, a cancel) gives up;
 * - `interrupt`: the holder is told to stop (its run ends `cancelled`), the
 *   runs still waiting end `cancelled` too, and the newcomer goes next;
 * - `rollback`: like `interrupt`, and the holder is asked to take its
 *   messages back out of the session before it lets go.
 * A turn only passes to the next run once the holder released it, so the
 * session's history never holds turns of two runs interleaved.
 */
import { SESSION_BUSY_POLICIES, type SessionBusyPolicy } from '@squire/client/contract';
import { SidecarError } from '../errors.js';

export const DEFAULT_SESSION_POLICY: SessionBusyPolicy = 'enqueue';

/** What the gate may ask of the run that holds a session. */
export interface SessionHolder {
  /** Stop the run with `reason`; with `rollback`, remove the messages it added before releasing. */
  interrupt(reason: SidecarError, rollback: boolean): void;
}

interface Waiter {
  holder: SessionHolder;
  grant(): void;
  refuse(reason: unknown): void;
}

interface Line {
  holder: SessionHolder | undefined;
  waiters: Waiter[];
}

export class SessionGate {
  private readonly lines = new Map<string, Line>();

  constructor(private readonly queueMax: number) {}

  /**
   * Resolves with the release of the session's turn once `holder` holds it;
   * rejects as `policy` says when the session is busy, or with `signal`'s
   * reason when it aborts first (leaving the line without blocking others).
   */
  enter(sessionId: string, policy: SessionBusyPolicy, holder: SessionHolder, signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    let line = this.lines.get(sessionId);
    if (!line) {
      line = { holder: undefined, waiters: [] };
      this.lines.set(sessionId, line);
    }
    if (line.holder === undefined && line.waiters.length === 0) {
      line.holder = holder;
      return Promise.resolve(this.releaser(sessionId, line));
    }
    switch (policy) {
      case 'reject':
        return Promise.reject(new SidecarError('session_busy', `session "${sessionId}" is busy with another run (on_busy: reject)`));
      case 'enqueue':
        if (line.waiters.length >= this.queueMax) {
          return Promise.reject(
            new SidecarError('session_queue_full', `${line.waiters.length} runs already wait for session "${sessionId}" (the limit is ${this.queueMax})`, { retryAfter: 1 }),
          );
        }
        break;
      case 'interrupt':
      case 'rollback': {
        const superseded = new SidecarError('cancelled', `a newer run on session "${sessionId}" took its place (on_busy: ${policy})`);
        for (const waiter of line.waiters.splice(0)) waiter.refuse(superseded);
        line.holder?.interrupt(new SidecarError('cancelled', `interrupted by a newer run on session "${sessionId}" (on_busy: ${policy})`), policy === 'rollback');
        break;
      }
    }
    return this.wait(sessionId, line, holder, signal);
  }

  /** Sessions someone holds or waits for (tests, metrics). */
  get size(): number {
    return this.lines.size;
  }

  private wait(sessionId: string, line: Line, holder: SessionHolder, signal: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = line.waiters.indexOf(waiter);
        if (index !== -1) line.waiters.splice(index, 1);
        this.forgetIfIdle(sessionId, line);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        holder,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.releaser(sessionId, line));
        },
        refuse: (reason) => {
          signal.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      line.waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(sessionId: string, line: Line): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = line.waiters.shift();
      line.holder = next?.holder;
      if (next) next.grant();
      else this.forgetIfIdle(sessionId, line);
    };
  }

  private forgetIfIdle(sessionId: string, line: Line): void {
    if (line.holder === undefined && line.waiters.length === 0 && this.lines.get(sessionId) === line) this.lines.delete(sessionId);
  }
}

/** Parses a policy named by a caller (`Squire-On-Busy`); 400 for anything else. */
export function parseSessionPolicy(value: string | undefined): SessionBusyPolicy | undefined {
  if (value === undefined || value === '') return undefined;
  const policy = value.trim().toLowerCase();
  if ((SESSION_BUSY_POLICIES as readonly string[]).includes(policy)) return policy as SessionBusyPolicy;
  throw new SidecarError('invalid_request', `Squire-On-Busy must be one of ${SESSION_BUSY_POLICIES.join(', ')}, got "${value}"`);
}
