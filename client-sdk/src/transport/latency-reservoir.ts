/**
 * @module
 * The last N call latencies in a ring, for `stats()` quantiles and the
 * attempt floor without unbounded memory.
 */
import type { LatencyHistory } from '../policies/attempt-floor.js';

export class LatencyReservoir implements LatencyHistory {
  private readonly samples: Float64Array;
  private recorded = 0;

  constructor(size: number) {
    this.samples = new Float64Array(size);
  }

  record(ms: number): void {
    this.samples[this.recorded % this.samples.length] = ms;
    this.recorded += 1;
  }

  /** Samples recorded so far (the ring keeps the last `size`). */
  get count(): number {
    return this.recorded;
  }

  median(): number | undefined {
    return this.quantile(0.5);
  }

  quantile(q: number): number | undefined {
    const n = Math.min(this.recorded, this.samples.length);
    if (n === 0) return undefined;
    const sorted = Array.from(this.samples.subarray(0, n)).sort((a, b) => a - b);
    return Math.round(sorted[Math.min(n - 1, Math.floor(q * n))]! * 100) / 100;
  }
}
