/**
 * @module
 * The shape of one attempt's pipeline: steps composed around a terminal
 * handler, each step seeing the attempt on its way in and the answer (or
 * the error) on its way out, like undici's interceptors or cockatiel's
 * `wrap`. A new concern (a trace span per attempt, a metric) is one more
 * step in the list, not a change to every policy.
 */
import type { Dispatcher } from 'undici';
import type { CallState } from './call.js';
import type { Endpoint } from './endpoint.js';

export interface Attempt {
  readonly call: CallState;
  readonly endpoint: Endpoint;
  /** 1 for the first attempt of the call. */
  readonly number: number;
  /** `performance.now()` when the request went out (set by dispatch). */
  sentAt: number;
  /** The attempt span's context, sent as `traceparent` (set by the trace step). */
  traceparent?: string;
}

/** A 2xx answer whose body is still unread. */
export interface Answer {
  readonly response: Dispatcher.ResponseData;
  /** Frees what the attempt holds (its in-flight place); idempotent. */
  release: () => void;
}

/** Resolves with a 2xx answer or rejects (past the classify step, always with a `SquireError`). */
export type AttemptHandler = (attempt: Attempt) => Promise<Answer>;

export type AttemptStep = (attempt: Attempt, next: AttemptHandler) => Promise<Answer>;

/** `steps[0]` runs first and wraps all the others; `terminal` sends the request. */
export function composeAttempt(steps: readonly AttemptStep[], terminal: AttemptHandler): AttemptHandler {
  return steps.reduceRight<AttemptHandler>((next, step) => (attempt) => step(attempt, next), terminal);
}
