/**
 * @module
 * Whether a failed attempt is tried again, and after how long: the whole
 * rule as one pure function of the failure, the attempt count and the
 * clock, so every branch is tested without sockets. The stateful retry
 * budget (a share of calls, against storms) is consulted by the caller
 * only once this says yes.
 */
import type { ErrorPhase } from '../errors/codes.js';
import type { Random } from '../internal/random.js';
import { fullJitterBackoff } from './backoff.js';

export interface RetryInput {
  readonly failure: { readonly retryable: boolean; readonly phase: ErrorPhase; readonly retryAfterMs: number | undefined };
  /** Attempts made so far, the failed one included. */
  readonly attempt: number;
  readonly maxRetries: number;
  /** The request may be sent again even if the agent ran (a GET, or a POST with an idempotency key). */
  readonly mayRepeat: boolean;
  /** Monotonic milliseconds, and the call's deadline on the same clock. */
  readonly now: number;
  readonly deadline: number;
  /** Least budget worth starting an attempt with (see attempt-floor). */
  readonly minUsefulMs: number;
  readonly maxRetryAfterMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Another replica can take the retry, so a `Retry-After` from this one does not hold it back. */
  readonly otherReplica: boolean;
  readonly random: Random;
}

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | {
      readonly retry: false;
      /**
       * - `not_retryable`: the failure is not one the SDK retries;
       * - `attempts`: `maxRetries` spent;
       * - `unsafe`: the agent may have run and the request has no idempotency key;
       * - `retry_after`: the server asked for a wait longer than `maxRetryAfterMs` or the budget left;
       * - `deadline`: what would be left after the backoff is below the useful minimum.
       */
      readonly because: 'not_retryable' | 'attempts' | 'unsafe' | 'retry_after' | 'deadline';
    };

/** Phases whose failures prove the agent did not run for this attempt. */
const NOTHING_RAN: ReadonlySet<ErrorPhase> = new Set(['admission', 'connect']);

export function decideRetry(input: RetryInput): RetryDecision {
  const { failure } = input;
  if (!failure.retryable) return { retry: false, because: 'not_retryable' };
  if (input.attempt > input.maxRetries) return { retry: false, because: 'attempts' };
  if (!input.mayRepeat && !NOTHING_RAN.has(failure.phase)) return { retry: false, because: 'unsafe' };
  const remaining = input.deadline - input.now;
  const retryAfterMs = input.otherReplica ? 0 : (failure.retryAfterMs ?? 0);
  if (retryAfterMs > input.maxRetryAfterMs || retryAfterMs >= remaining) return { retry: false, because: 'retry_after' };
  const delayMs = Math.max(retryAfterMs, fullJitterBackoff(input.attempt, input.backoffBaseMs, input.backoffMaxMs, input.random));
  if (remaining - delayMs < input.minUsefulMs) return { retry: false, because: 'deadline' };
  return { retry: true, delayMs };
}
