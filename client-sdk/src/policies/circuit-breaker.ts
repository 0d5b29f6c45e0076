/**
 * @module
 * A circuit breaker per sidecar: closed → open after `failureThreshold`
 * consecutive failures → half-open after `cooldownMs`, where one probe call
 * decides: success closes it, failure opens it again. Like Envoy's outlier
 * ejection, each failed probe in a row doubles the cool-down (up to
 * {@link MAX_COOLDOWN_FACTOR}× `cooldownMs`), so a replica that stays broken
 * is probed less and less often; the first success resets it.
 */

/** The longest cool-down, as a multiple of `cooldownMs`. */
export const MAX_COOLDOWN_FACTOR = 8;
export type BreakerState =
  | { state: 'closed'; failures: number }
  | { state: 'open'; openedAt: number; until: number; ejections: number }
  | { state: 'half-open'; probing: boolean; ejections: number };

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
      this.transition({ state: 'half-open', probing: false, ejections: this.current.ejections });
    }
    return this.current;
  }

  /** Whether a call may go out now; in half-open, only one probe at a time. */
  tryPass(): boolean {
    const state = this.state;
    if (state.state === 'closed') return true;
    if (state.state === 'half-open' && !state.probing) {
      this.current = { ...state, probing: true };
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
    if (state.state === 'half-open') return this.open(state.ejections + 1);
    if (state.state === 'closed') {
      const failures = state.failures + 1;
      if (failures >= this.options.failureThreshold) return this.open(1);
      this.current = { state: 'closed', failures };
    }
  }

  /** A probe that ended without a verdict (e.g. caller abort) frees the half-open slot. */
  releaseProbe(): void {
    if (this.current.state === 'half-open') this.current = { ...this.current, probing: false };
  }

  /** @param ejections how many times in a row it opened without a success in between */
  private open(ejections: number): void {
    const at = this.now();
    const cooldown = this.options.cooldownMs * Math.min(2 ** (ejections - 1), MAX_COOLDOWN_FACTOR);
    this.transition({ state: 'open', openedAt: at, until: at + cooldown, ejections });
  }

  private transition(next: BreakerState): void {
    const previous = this.current;
    this.current = next;
    if (previous.state !== next.state) this.onChange(next, previous);
  }
}
