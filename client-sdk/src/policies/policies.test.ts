import { describe, expect, it } from 'vitest';
import { fullJitterBackoff, parseRetryAfter } from './backoff.js';
import { CircuitBreaker, type BreakerState } from './circuit-breaker.js';
import { RetryBudget } from './retry-budget.js';
import { Bulkhead } from './bulkhead.js';

describe('fullJitterBackoff', () => {
  it('waits between 0 and min(cap, base·2^(retry-1))', () => {
    expect(fullJitterBackoff(1, 100, 2000, () => 0.999)).toBe(99);
    expect(fullJitterBackoff(3, 100, 2000, () => 0.999)).toBe(399);
    expect(fullJitterBackoff(10, 100, 2000, () => 0.999)).toBe(1998);
    expect(fullJitterBackoff(4, 100, 2000, () => 0)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('CircuitBreaker', () => {
  it('walks closed → open → half-open → closed, one probe at a time', () => {
    let now = 0;
    const changes: Array<BreakerState['state']> = [];
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100 }, (state) => changes.push(state.state), () => now);
    breaker.recordFailure();
    expect(breaker.tryPass()).toBe(true);
    breaker.recordFailure();
    expect(breaker.tryPass()).toBe(false);
    expect(breaker.retryInMs()).toBe(100);
    now = 100;
    expect(breaker.tryPass()).toBe(true);
    expect(breaker.tryPass()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state).toEqual({ state: 'closed', failures: 0 });
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('doubles the cool-down after each failed probe, up to 8x, and resets it on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 100 }, undefined, () => now);
    breaker.recordFailure();
    const cooldowns: number[] = [];
    for (let probe = 0; probe < 5; probe += 1) {
      cooldowns.push(breaker.retryInMs());
      now += breaker.retryInMs();
      expect(breaker.tryPass()).toBe(true);
      breaker.recordFailure();
    }
    expect(cooldowns).toEqual([100, 200, 400, 800, 800]);
    now += breaker.retryInMs();
    expect(breaker.tryPass()).toBe(true);
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.retryInMs()).toBe(100);
  });

  it('resets the failure count on success', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100 });
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.state.state).toBe('closed');
  });
});

describe('RetryBudget', () => {
  it('allows retries up to the ratio of calls plus the floor over the window', () => {
    let now = 0;
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0, windowMs: 10_000 }, () => now);
    for (let i = 0; i < 10; i += 1) budget.recordCall();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    now = 11_000;
    for (let i = 0; i < 5; i += 1) budget.recordCall();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
  });

  it('keeps a floor so a quiet client can still retry', () => {
    const budget = new RetryBudget({ ratio: 0, minPerSecond: 1, windowMs: 2000 }, () => 0);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
  });
});

describe('Bulkhead', () => {
  it('admits up to the limit, queues up to maxQueued, and hands places over in order', async () => {
    const bulkhead = new Bulkhead(1, 1);
    const first = await bulkhead.enter(undefined);
    const waiting = bulkhead.enter(undefined);
    expect(await bulkhead.enter(undefined)).toBeUndefined();
    first!();
    const second = await waiting;
    expect(bulkhead.inFlight).toBe(1);
    second!();
    expect(bulkhead.inFlight).toBe(0);
  });
});

describe('Bulkhead with a cancellation', () => {
  it('drops a queued wait when its call is cancelled, leaving no listener behind', async () => {
    const { CancelSource } = await import('../internal/cancel.js');
    const bulkhead = new Bulkhead(1, 2);
    const held = bulkhead.tryEnter()!;
    const cancel = new CancelSource();
    const waiting = bulkhead.enter(cancel);
    expect(bulkhead.queued).toBe(1);
    cancel.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    expect(bulkhead.queued).toBe(0);
    expect(cancel.listenerCount('abort')).toBe(0);
    const served = new CancelSource();
    const next = bulkhead.enter(served);
    held();
    (await next)!();
    expect(served.listenerCount('abort')).toBe(0);
    expect(bulkhead.inFlight).toBe(0);
  });
});
