/**
 * @module
 * The outermost attempt step: a CLIENT span per attempt under the call's
 * span, whose context the request carries as `traceparent`. A call nothing
 * records passes straight through.
 */
import type { SquireError } from '../errors.js';
import type { AttemptStep } from './attempt.js';
import { startAttemptTrace } from './call-tracing.js';

export const traceStep: AttemptStep = async (attempt, next) => {
  const parent = attempt.call.traceContext;
  if (!parent) return next(attempt);
  const span = startAttemptTrace(parent, attempt.call.spec, attempt.endpoint.url, attempt.call.tried?.length ?? 0);
  attempt.traceparent = span.traceparent;
  try {
    const answer = await next(attempt);
    span.end(answer.response.statusCode);
    return answer;
  } catch (error) {
    span.end((error as SquireError).status, error);
    throw error;
  }
};
