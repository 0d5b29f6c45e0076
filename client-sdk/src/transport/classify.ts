/**
 * @module
 * Turns what an attempt produced into a verdict: a 2xx answer passes, any
 * other status becomes the `SquireError` of its problem code, and whatever
 * undici threw becomes a `ConnectionError`, `TimeoutError` or `AbortError`
 * (or the call's own deadline or abort, when that is why it threw). It also
 * keeps the endpoint's counters: failures, and the latency of successes.
 */
import { HEADERS } from '../contract/index.js';
import { AbortError, ConnectionError, TimeoutError, fromResponse, isSquireError, type SquireError } from '../errors.js';
import { parseRetryAfter } from '../policies/backoff.js';
import type { AttemptStep } from './attempt.js';
import type { CallState } from './call.js';

export const classifyStep: AttemptStep = async (attempt, next) => {
  const { call, endpoint } = attempt;
  let answer;
  try {
    answer = await next(attempt);
  } catch (error) {
    const failure = classifyThrown(error, call, 'headers', endpoint.url);
    if (failure.code !== 'aborted') endpoint.failures += 1;
    throw failure;
  }
  const { response } = answer;
  if (response.statusCode >= 200 && response.statusCode < 300) {
    endpoint.latency.record(performance.now() - attempt.sentAt);
    return answer;
  }
  endpoint.failures += 1;
  const text = await response.body.text().catch(() => '');
  throw fromResponse(response.statusCode, text, {
    sidecar: call.sidecar,
    endpoint: endpoint.url,
    attempts: attempt.number,
    retryAfterMs: parseRetryAfter(response.headers[HEADERS.retryAfter]),
  });
};

/**
 * What a request (or the read of its body) threw, as a `SquireError`. When
 * the call's own cancellation fired, its reason (the deadline or the
 * caller's abort) is the error, whatever undici made of it.
 */
export function classifyThrown(error: unknown, call: CallState, phase: 'headers' | 'body', endpoint = call.config.url): SquireError {
  const attempts = call.attempt;
  if (call.cancel.aborted && isSquireError(call.cancel.reason)) return call.cancel.reason.withAttempts(attempts);
  if (isSquireError(error)) return error.withAttempts(attempts);
  const sidecar = call.sidecar;
  const fields = { sidecar, endpoint, attempts, cause: error };
  const code = (error as { code?: string } | undefined)?.code ?? '';
  const message = (error as Error | undefined)?.message ?? String(error);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new TimeoutError(`connecting to sidecar "${sidecar}" timed out`, { ...fields, code: 'connect_timeout' });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new TimeoutError(`sidecar "${sidecar}" sent no headers in time`, { ...fields, code: 'headers_timeout' });
    case 'UND_ERR_BODY_TIMEOUT':
      return new TimeoutError(`sidecar "${sidecar}" stalled while sending its body`, { ...fields, code: 'body_timeout' });
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
      return new AbortError('the call was aborted', fields);
    default:
      return new ConnectionError(`sidecar "${sidecar}" at ${endpoint}: ${message}${phase === 'body' ? ' (while reading the body)' : ''}`, {
        ...fields,
        code: code === 'ECONNREFUSED' || code === 'ENOENT' ? 'connection_refused' : 'connection_error',
      });
  }
}
