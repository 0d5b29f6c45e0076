/**
 * @module
 * Whether a failed model request is sent again, and after how long: a pure
 * function of the failure, the retries left and the clock. Model failures
 * are retried here, where only the failed request repeats (not the agent's
 * earlier steps and tool calls), and never more often than the caller's
 * `Squire-Max-Retries` allows: the SDK does not retry `upstream_error` or
 * `rate_limited` again, so one failing call costs at most 1 + its retries in
 * model requests, not the product of two layers' retries. A wait the
 * endpoint asks for that is longer than `--llm-max-retry-after-ms` or the
 * run's budget is not slept: the caller gets 429 `rate_limited` at once.
 */
import { SidecarError } from '../errors.js';

/** Least time worth sending a model request with. */
export const MIN_MODEL_ATTEMPT_MS = 100;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8000;

export interface ModelRetryInput {
  readonly failure: { readonly retryable: boolean; readonly retryAfterMs?: number | undefined };
  /** Retries this run may still make. */
  readonly retriesLeft: number;
  /** Retries this run made so far (the backoff grows with them). */
  readonly retriesMade: number;
  /** Epoch milliseconds, and the run's deadline on the same clock. */
  readonly now: number;
  readonly deadline: number;
  readonly maxRetryAfterMs: number;
  readonly random: () => number;
}

export type ModelRetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly because: 'not_retryable' | 'no_retries_left' | 'retry_after' | 'deadline' };

export function decideModelRetry(input: ModelRetryInput): ModelRetryDecision {
  if (!input.failure.retryable) return { retry: false, because: 'not_retryable' };
  if (input.retriesLeft <= 0) return { retry: false, because: 'no_retries_left' };
  const remaining = input.deadline - input.now;
  const asked = input.failure.retryAfterMs;
  if (asked !== undefined && (asked > input.maxRetryAfterMs || asked + MIN_MODEL_ATTEMPT_MS > remaining)) return { retry: false, because: 'retry_after' };
  const delayMs = asked ?? backoffMs(input.retriesMade + 1, input.random);
  if (delayMs + MIN_MODEL_ATTEMPT_MS > remaining) return { retry: false, because: 'deadline' };
  return { retry: true, delayMs };
}

/** Exponential from 500 ms, capped at 8 s, less up to 25 % jitter (as the openai SDK waits). */
export function backoffMs(retry: number, random: () => number): number {
  return Math.round(Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1)) * (1 - random() * 0.25));
}

/** Retries a run may make: the operator's `--llm-max-retries`, lowered to what the caller allows. */
export function retryAllowance(operatorMax: number, callerMax: number | undefined): number {
  return callerMax === undefined ? operatorMax : Math.min(operatorMax, callerMax);
}

/** Parses `Squire-Max-Retries`; a malformed value is the caller's bug and answers 400. */
export function parseMaxRetries(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  if (!/^\d{1,3}$/.test(header.trim())) {
    throw new SidecarError('invalid_request', `Squire-Max-Retries must be a non-negative integer, got "${header}"`);
  }
  return Number(header.trim());
}
