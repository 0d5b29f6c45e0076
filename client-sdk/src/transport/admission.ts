/**
 * @module
 * The two admission steps of an attempt: the endpoint's in-flight limit
 * (bulkhead), then its circuit breaker. A call past either fails fast,
 * without a request, rather than piling up behind a slow or broken replica.
 */
import { CircuitOpenError, OverloadedError, type SquireError } from '../errors.js';
import type { AttemptStep } from './attempt.js';

/** Holds an in-flight place for the attempt; the answer keeps it until its body is consumed or dropped. */
export const bulkheadStep: AttemptStep = async (attempt, next) => {
  const { bulkhead } = attempt.endpoint;
  const release = bulkhead.tryEnter() ?? (await bulkhead.enter(attempt.call.cancel));
  if (!release) {
    throw new OverloadedError(`sidecar "${attempt.call.sidecar}" (${attempt.endpoint.url}) already has ${bulkhead.maxInFlight} calls in flight`, {
      code: 'client_overloaded',
      sidecar: attempt.call.sidecar,
      endpoint: attempt.endpoint.url,
    });
  }
  let answer;
  try {
    answer = await next(attempt);
  } catch (error) {
    release();
    throw error;
  }
  // The caller releases as soon as it is done with the body; 'close' covers a body left to the GC.
  answer.release = release;
  answer.response.body.once('close', release);
  answer.response.body.once('error', release);
  return answer;
};

/** Lets the attempt through the endpoint's breaker and reports its outcome to it. */
export const breakerStep: AttemptStep = async (attempt, next) => {
  const { breaker, url } = attempt.endpoint;
  if (!breaker.tryPass()) {
    const waitMs = breaker.retryInMs();
    throw new CircuitOpenError(`the circuit breaker of sidecar "${attempt.call.sidecar}" (${url}) is open; next probe in ${waitMs} ms`, {
      sidecar: attempt.call.sidecar,
      endpoint: url,
      retryAfterMs: waitMs,
    });
  }
  try {
    const answer = await next(attempt);
    breaker.recordSuccess();
    return answer;
  } catch (error) {
    const failure = error as SquireError;
    if (failure.code === 'aborted') breaker.releaseProbe();
    else if (countsAgainstBreaker(failure)) breaker.recordFailure();
    else breaker.recordSuccess();
    throw error;
  }
};

/**
 * Whether a failure says the replica is unwell: no connection, no answer,
 * or a 5xx other than the agent's own failure or a drain. 4xx answers and
 * agent errors come from a healthy sidecar.
 */
export function countsAgainstBreaker(failure: SquireError): boolean {
  if (failure.status === undefined) return failure.phase !== 'admission' && failure.code !== 'aborted';
  return failure.status >= 500 && failure.code !== 'agent_error' && failure.code !== 'draining';
}
