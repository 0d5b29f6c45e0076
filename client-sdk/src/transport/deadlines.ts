/**
 * @module
 * One timer for the overall deadlines of all calls in flight. Arming and
 * clearing a Node timer on every call was the largest single cost of a call
 * after the request itself; here a call only joins and leaves a set, and the
 * one timer stays armed for the earliest deadline. It is left armed when the
 * call it was set for ends: firing with nothing due is cheaper than clearing
 * and re-arming it per call.
 */

export interface Expiring {
  /** `performance.now()` time at which `expire` must run. */
  readonly deadline: number;
  expire(): void;
}

class DeadlineTimer {
  private readonly pending = new Set<Expiring>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  add(entry: Expiring): void {
    this.pending.add(entry);
    if (entry.deadline < this.armedFor) this.arm(entry.deadline);
  }

  delete(entry: Expiring): void {
    this.pending.delete(entry);
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - performance.now())));
    // Calls in flight hold their sockets (and backoff sleeps their own timers): this one need not keep the process alive.
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const entry of this.pending) {
      if (entry.deadline <= now) {
        this.pending.delete(entry);
        entry.expire();
      } else if (entry.deadline < next) {
        next = entry.deadline;
      }
    }
    if (next < this.armedFor) this.arm(next);
  };
}

/** Shared by every client in the process, so many clients still cost one timer. */
export const deadlines = new DeadlineTimer();
