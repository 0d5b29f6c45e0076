/**
 * Open-loop load generators for swap tests: `rate` calls per second, for a
 * duration or until a condition holds, each call's outcome kept. Tests
 * assert on the counts, never on how many calls fit into some time.
 */
export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  errors: string[];
  latencies: number[];
}

/** `rate` calls per second for `durationMs` (rate × duration calls), then waits for all of them. */
export function runLoad(call: (i: number) => Promise<unknown>, rate: number, durationMs: number): Promise<LoadResult> {
  return runLoadUntil(call, rate, () => false, Math.floor((rate * durationMs) / 1000));
}

/**
 * `rate` calls per second until `done()` holds (checked before each call),
 * at most `maxCalls`; resolves once every call has settled. Under load the
 * calls come slower, but the condition, not the clock, ends the run.
 */
export async function runLoadUntil(call: (i: number) => Promise<unknown>, rate: number, done: () => boolean, maxCalls = 20_000): Promise<LoadResult> {
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, errors: [], latencies: [] };
  const pending: Array<Promise<void>> = [];
  const started = performance.now();
  for (let i = 0; i < maxCalls && !done(); i += 1) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    result.sent += 1;
    const sent = performance.now();
    pending.push(
      call(i).then(
        () => {
          result.ok += 1;
          result.latencies.push(performance.now() - sent);
        },
        (error: unknown) => {
          result.failed += 1;
          result.errors.push(String((error as { code?: string }).code ?? error));
        },
      ),
    );
  }
  await Promise.all(pending);
  return result;
}

export function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN;
}
