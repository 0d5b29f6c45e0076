/**
 * @module
 * No hopeless attempts: the least budget worth starting a retry with. A
 * retry with 28 ms left against a sidecar whose calls take 400 ms cannot
 * succeed; it only adds load and hides the real failure behind a timeout.
 * The floor is the endpoint's recent median latency once it has some
 * history, and a configured value (`minAttemptMs`) until then.
 */

/** Successful attempts an endpoint needs before its median replaces the configured floor. */
export const MIN_LATENCY_SAMPLES = 5;

export interface LatencyHistory {
  /** Successful attempts recorded. */
  readonly count: number;
  /** Their median in milliseconds, or undefined with no history. */
  median(): number | undefined;
}

export function minimumUsefulBudgetMs(history: LatencyHistory, floorMs: number): number {
  if (history.count < MIN_LATENCY_SAMPLES) return floorMs;
  return history.median() ?? floorMs;
}
