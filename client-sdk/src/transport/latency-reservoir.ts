/**
 * @module
 * The last N call latencies in a ring, for `stats()` quantiles without
 * unbounded memory.
 */
export class LatencyReservoir {
  private readonly samples: Float64Array;
  private count = 0;

  constructor(size: number) {
    this.samples = new Float64Array(size);
  }

  record(ms: number): void {
    this.samples[this.count % this.samples.length] = ms;
    this.count += 1;
  }

  quantile(q: number): number | undefined {
    const n = Math.min(this.count, this.samples.length);
    if (n === 0) return undefined;
    const sorted = Array.from(this.samples.subarray(0, n)).sort((a, b) => a - b);
    return Math.round(sorted[Math.min(n - 1, Math.floor(q * n))]! * 100) / 100;
  }
}
