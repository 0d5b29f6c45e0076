import { describe, expect, it } from 'vitest';
import { seededRandom } from '../internal/random.js';
import { MIN_LATENCY_SAMPLES, minimumUsefulBudgetMs } from './attempt-floor.js';
import { decideRetry, type RetryInput } from './retry-decision.js';

const retryable = { retryable: true, phase: 'headers', retryAfterMs: undefined } as const;

function input(overrides: Partial<RetryInput> = {}): RetryInput {
  return {
    failure: retryable,
    attempt: 1,
    maxRetries: 2,
    mayRepeat: true,
    now: 0,
    deadline: 10_000,
    minUsefulMs: 100,
    maxRetryAfterMs: 5000,
    backoffBaseMs: 100,
    backoffMaxMs: 2000,
    otherReplica: false,
    random: seededRandom(1),
    ...overrides,
  };
}

describe('decideRetry', () => {
  it('retries a retryable failure after a jittered backoff within the cap', () => {
    const decision = decideRetry(input({ random: () => 0.5 }));
    expect(decision).toEqual({ retry: true, delayMs: 50 });
  });

  it('never retries what the table says is not retryable', () => {
    expect(decideRetry(input({ failure: { ...retryable, retryable: false } }))).toEqual({ retry: false, because: 'not_retryable' });
  });

  it('stops after maxRetries retries', () => {
    expect(decideRetry(input({ attempt: 2 })).retry).toBe(true);
    expect(decideRetry(input({ attempt: 3 }))).toEqual({ retry: false, because: 'attempts' });
    expect(decideRetry(input({ maxRetries: 0 }))).toEqual({ retry: false, because: 'attempts' });
  });

  it('repeats a request without an idempotency key only when nothing ran', () => {
    expect(decideRetry(input({ mayRepeat: false }))).toEqual({ retry: false, because: 'unsafe' });
    expect(decideRetry(input({ mayRepeat: false, failure: { ...retryable, phase: 'connect' } })).retry).toBe(true);
    expect(decideRetry(input({ mayRepeat: false, failure: { ...retryable, phase: 'admission' } })).retry).toBe(true);
  });

  it('waits at least the Retry-After, but gives up on one past the cap or the budget', () => {
    expect(decideRetry(input({ failure: { ...retryable, retryAfterMs: 1000 }, random: () => 0 }))).toEqual({ retry: true, delayMs: 1000 });
    expect(decideRetry(input({ failure: { ...retryable, retryAfterMs: 6000 } }))).toEqual({ retry: false, because: 'retry_after' });
    expect(decideRetry(input({ failure: { ...retryable, retryAfterMs: 3000 }, deadline: 2000 }))).toEqual({ retry: false, because: 'retry_after' });
  });

  it('ignores a replica\'s Retry-After when another replica can take the retry', () => {
    expect(decideRetry(input({ failure: { ...retryable, retryAfterMs: 30_000 }, otherReplica: true, random: () => 0 }))).toEqual({ retry: true, delayMs: 0 });
  });

  it('starts no attempt with less budget than the useful minimum', () => {
    // 28 ms left against calls that take 400 ms: hopeless.
    expect(decideRetry(input({ now: 9972, minUsefulMs: 400 }))).toEqual({ retry: false, because: 'deadline' });
    // The backoff counts too: 450 ms left, a 100 ms wait leaves 350 < 400.
    expect(decideRetry(input({ now: 9550, minUsefulMs: 400, random: () => 0.999_999 }))).toEqual({ retry: false, because: 'deadline' });
    expect(decideRetry(input({ now: 9550, minUsefulMs: 400, random: () => 0 })).retry).toBe(true);
  });

  it('is the same decision for the same seed', () => {
    const run = () => Array.from({ length: 20 }, (_, i) => decideRetry(input({ attempt: (i % 2) + 1, random: seededRandom(i) })));
    expect(run()).toEqual(run());
  });
});

describe('minimumUsefulBudgetMs', () => {
  it('is the configured floor until the endpoint has history, then its median', () => {
    expect(minimumUsefulBudgetMs({ count: 0, median: () => undefined }, 100)).toBe(100);
    expect(minimumUsefulBudgetMs({ count: MIN_LATENCY_SAMPLES - 1, median: () => 900 }, 100)).toBe(100);
    expect(minimumUsefulBudgetMs({ count: MIN_LATENCY_SAMPLES, median: () => 900 }, 100)).toBe(900);
    expect(minimumUsefulBudgetMs({ count: MIN_LATENCY_SAMPLES, median: () => 3 }, 100)).toBe(3);
  });
});
