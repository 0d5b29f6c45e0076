/**
 * @module
 * A circuit breaker per sidecar: closed → open after `failureThreshold`
 * consecutive failures → half-open after `cooldownMs`, where one probe call
 * decides: success closes it, failure opens it again.
 */
export type BreakerState =
  | { state: 'closed'; failures: number }
  | { state: 'open'; openedAt: number; until: number }
  | { state: 'half-open'; probing: boolean };

export interface CircuitBreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
}

export class CircuitBreaker {
  private current: BreakerState = { state: 'closed', failures: 0 };

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly onChange: (state: BreakerState, previous: BreakerState) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.current.state === 'open' && this.now() >= this.current.until) {
      this.transition({ state: 'half-open', probing: false });
    }
    return this.current;
  }

  /** Whether a call may go out now; in half-open, only one probe at a time. */
  tryPass(): boolean {
    const state = this.state;
    if (state.state === 'closed') return true;
    if (state.state === 'half-open' && !state.probing) {
      this.current = { state: 'half-open', probing: true };
      return true;
    }
    return false;
  }

  /** Milliseconds until the breaker lets a probe through (0 unless open). */
  retryInMs(): number {
    const state = this.state;
    return state.state === 'open' ? Math.max(0, state.until - this.now()) : 0;
  }

  recordSuccess(): void {
    if (this.current.state !== 'closed' || this.current.failures !== 0) this.transition({ state: 'closed', failures: 0 });
  }

  recordFailure(): void {
    const state = this.state;
    if (state.state === 'half-open') return this.open();
    if (state.state === 'closed') {
      const failures = state.failures + 1;
      if (failures >= this.options.failureThreshold) return this.open();
      this.current = { state: 'closed', failures };
    }
  }

  /** A probe that ended without a verdict (e.g. caller abort) frees the half-open slot. */
  releaseProbe(): void {
    if (this.current.state === 'half-open') this.current = { state: 'half-open', probing: false };
  }

  private open(): void {
    const at = this.now();
    this.transition({ state: 'open', openedAt: at, until: at + this.options.cooldownMs });
  }

  private transition(next: BreakerState): void {
    const previous = this.current;
    this.current = next;
    if (previous.state !== next.state) this.onChange(next, previous);
  }
}
