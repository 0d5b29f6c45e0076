/**
 * @module
 * A retry budget (as in Envoy and Finagle): retries may be at most `ratio` of
 * the calls over a sliding window, plus a small floor per second, so a
 * failing sidecar is not hit by a storm of retries multiplying its load.
 */
export interface RetryBudgetOptions {
  ratio: number;
  minPerSecond: number;
  windowMs: number;
}

export class RetryBudget {
  private readonly buckets: Array<{ at: number; calls: number; retries: number }> = [];
  private static readonly BUCKET_MS = 1000;

  constructor(
    private readonly options: RetryBudgetOptions,
    private readonly now: () => number = Date.now,
  ) {}

  recordCall(): void {
    this.bucket().calls += 1;
  }

  /** Takes one retry from the budget; false means retrying now would exceed it. */
  tryRetry(): boolean {
    this.prune();
    let calls = 0;
    let retries = 0;
    for (const bucket of this.buckets) {
      calls += bucket.calls;
      retries += bucket.retries;
    }
    const allowed = calls * this.options.ratio + this.options.minPerSecond * (this.options.windowMs / 1000);
    if (retries + 1 > allowed) return false;
    this.bucket().retries += 1;
    return true;
  }

  private bucket() {
    const at = Math.floor(this.now() / RetryBudget.BUCKET_MS) * RetryBudget.BUCKET_MS;
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.at === at) return last;
    const bucket = { at, calls: 0, retries: 0 };
    this.buckets.push(bucket);
    this.prune();
    return bucket;
  }

  private prune(): void {
    const oldest = this.now() - this.options.windowMs;
    while (this.buckets.length > 0 && this.buckets[0]!.at + RetryBudget.BUCKET_MS <= oldest) this.buckets.shift();
  }
}
