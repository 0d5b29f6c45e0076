import { describe, expect, it } from 'vitest';
import { SidecarError } from '../errors.js';
import { ModelCallError } from './model-failure.js';
import { ModelRetries } from './model-retries.js';
import { MIN_MODEL_ATTEMPT_MS, backoffMs, decideModelRetry, parseMaxRetries, retryAllowance, type ModelRetryInput } from './model-retry-policy.js';

function input(overrides: Partial<ModelRetryInput> = {}): ModelRetryInput {
  return { failure: { retryable: true }, retriesLeft: 2, retriesMade: 0, now: 0, deadline: 30_000, maxRetryAfterMs: 5000, random: () => 0, ...overrides };
}

describe('decideModelRetry', () => {
  it('retries a retryable failure after an exponential backoff while retries are left', () => {
    expect(decideModelRetry(input())).toEqual({ retry: true, delayMs: 500 });
    expect(decideModelRetry(input({ retriesMade: 2 }))).toEqual({ retry: true, delayMs: 2000 });
    expect(decideModelRetry(input({ retriesLeft: 0 }))).toEqual({ retry: false, because: 'no_retries_left' });
    expect(decideModelRetry(input({ failure: { retryable: false } }))).toEqual({ retry: false, because: 'not_retryable' });
  });

  it('waits what the endpoint asks, unless that is past the cap or the budget: then 429 at once', () => {
    expect(decideModelRetry(input({ failure: { retryable: true, retryAfterMs: 1000 } }))).toEqual({ retry: true, delayMs: 1000 });
    expect(decideModelRetry(input({ failure: { retryable: true, retryAfterMs: 7000 } }))).toEqual({ retry: false, because: 'retry_after' });
    expect(decideModelRetry(input({ failure: { retryable: true, retryAfterMs: 3000 }, deadline: 3000 }))).toEqual({ retry: false, because: 'retry_after' });
  });

  it('sends no request it could not finish: the backoff must leave a useful minimum', () => {
    expect(decideModelRetry(input({ deadline: 500 + MIN_MODEL_ATTEMPT_MS - 1 }))).toEqual({ retry: false, because: 'deadline' });
    expect(decideModelRetry(input({ deadline: 500 + MIN_MODEL_ATTEMPT_MS })).retry).toBe(true);
  });

  it('jitters the backoff down by at most a quarter, and caps it at 8 s', () => {
    expect(backoffMs(1, () => 0.999_999)).toBe(375);
    expect(backoffMs(10, () => 0)).toBe(8000);
  });
});

describe('retryAllowance and Squire-Max-Retries', () => {
  it("is the operator's limit, lowered to the caller's", () => {
    expect(retryAllowance(2, undefined)).toBe(2);
    expect(retryAllowance(2, 5)).toBe(2);
    expect(retryAllowance(2, 0)).toBe(0);
  });

  it('parses the header, and refuses a malformed one with 400 invalid_request', () => {
    expect(parseMaxRetries(undefined)).toBeUndefined();
    expect(parseMaxRetries(' 3 ')).toBe(3);
    expect(() => parseMaxRetries('-1')).toThrow(SidecarError);
    expect(() => parseMaxRetries('lots')).toThrowError(expect.objectContaining({ code: 'invalid_request', status: 400 }));
  });
});

describe('ModelRetries', () => {
  const failing = (details: ConstructorParameters<typeof ModelCallError>[1]) => () => Promise.reject(new ModelCallError('the model endpoint answered 500', details));

  it('repeats failed requests within the allowance shared by the whole run, then answers upstream_error', async () => {
    let requests = 0;
    let retriesCounted = 0;
    const retries = new ModelRetries({ allowed: 2, deadline: Date.now() + 30_000, maxRetryAfterMs: 5000, onRetry: () => (retriesCounted += 1) });
    const request = () => {
      requests += 1;
      return failing({ status: 500, retryable: true, retryAfterMs: 1 })();
    };
    const error = await retries.run(request, new AbortController().signal).catch((e: unknown) => e as SidecarError);
    expect(requests).toBe(3);
    expect(retriesCounted).toBe(2);
    expect(error).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(error.message).toContain('3 requests');
    // The allowance is spent: the run's next model call gets no retry.
    requests = 0;
    await retries.run(request, new AbortController().signal).catch(() => undefined);
    expect(requests).toBe(1);
  });

  it('answers rate_limited at once, with the Retry-After passed on, when the wait is too long', async () => {
    let requests = 0;
    const retries = new ModelRetries({ allowed: 2, deadline: Date.now() + 5000, maxRetryAfterMs: 5000 });
    const error = await retries
      .run(() => {
        requests += 1;
        return failing({ status: 429, retryable: true, retryAfterMs: 7000 })();
      }, new AbortController().signal)
      .catch((e: unknown) => e as SidecarError);
    expect(requests).toBe(1);
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryAfter: 7 });
  });

  it('stops waiting when the run aborts, with the abort reason', async () => {
    const controller = new AbortController();
    const retries = new ModelRetries({ allowed: 2, deadline: Date.now() + 60_000, maxRetryAfterMs: 60_000 });
    const pending = retries.run(failing({ status: 503, retryable: true, retryAfterMs: 50_000 }), controller.signal);
    controller.abort(new SidecarError('cancelled', 'cancelled by the caller'));
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('passes other errors (an abort, a bug) through untouched', async () => {
    const retries = new ModelRetries({ allowed: 2, deadline: Date.now() + 60_000, maxRetryAfterMs: 5000 });
    const own = new SidecarError('deadline_exceeded', 'late');
    await expect(retries.run(() => Promise.reject(own), new AbortController().signal)).rejects.toBe(own);
    expect(retries.used).toBe(0);
  });
});
