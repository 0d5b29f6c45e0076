/**
 * @module
 * The end of an attempt's pipeline: one undici `Pool.request` to the
 * endpoint, with what is left of the call's budget as `Squire-Timeout-Ms`
 * (less a margin, so the sidecar's 504 arrives before the client gives up)
 * and the retries the call has left as `Squire-Max-Retries` (the sidecar
 * spends those on failed model calls in place, and the client does not
 * retry those failures again).
 */
import { HEADERS } from '../contract/index.js';
import type { AttemptHandler } from './attempt.js';

/**
 * Part of the remaining budget kept back so the sidecar answers 504 before
 * the client gives up: 5 %, but at least 50 ms (the 504 has to travel back
 * on a busy machine too) and never more than half.
 */
const SIDECAR_DEADLINE_MARGIN = 0.05;
const MIN_SIDECAR_DEADLINE_MARGIN_MS = 50;

export function sidecarBudgetMs(remaining: number): number {
  const margin = Math.min(remaining / 2, Math.max(remaining * SIDECAR_DEADLINE_MARGIN, MIN_SIDECAR_DEADLINE_MARGIN_MS));
  return Math.max(1, Math.floor(remaining - margin));
}

const NOTHING_HELD = (): void => undefined;

export const dispatch: AttemptHandler = async (attempt) => {
  const { call, endpoint } = attempt;
  const { events, authorization } = endpoint;
  const { spec, options } = call;
  const remaining = call.deadline - performance.now();
  if (remaining <= 0) {
    call.expire();
    throw call.cancel.reason;
  }
  const extra = call.config.headers;
  const headers: Record<string, string> = extra === undefined && options.headers === undefined ? {} : { ...extra, ...options.headers };
  headers[HEADERS.timeoutMs] = String(sidecarBudgetMs(remaining));
  headers[HEADERS.maxRetries] = String(Math.max(0, call.maxRetries - (attempt.number - 1)));
  if (spec.body !== undefined) headers['content-type'] = 'application/json';
  if (spec.accept) headers.accept = spec.accept;
  if (authorization) headers.authorization = authorization;
  if (call.key) headers[HEADERS.idempotencyKey] = call.key;
  const traceparent = attempt.traceparent ?? call.traceparent;
  if (traceparent) headers[HEADERS.traceparent] = traceparent;
  if (events.wants('request')) {
    events.emit('request', { sidecar: call.sidecar, endpoint: endpoint.url, method: spec.method, path: spec.path, attempt: attempt.number, idempotencyKey: call.key });
  }
  endpoint.calls += 1;
  attempt.sentAt = performance.now();
  // undici wants whole milliseconds; the deadline timer, not these, holds the call to its budget.
  const phaseTimeout = Math.ceil(remaining);
  const response = await endpoint.pool.request({
    path: spec.path,
    method: spec.method,
    headers,
    body: spec.body ?? null,
    signal: call.cancel,
    headersTimeout: phaseTimeout,
    bodyTimeout: phaseTimeout,
  });
  if (events.wants('response')) {
    events.emit('response', { sidecar: call.sidecar, endpoint: endpoint.url, status: response.statusCode, attempt: attempt.number, durationMs: performance.now() - attempt.sentAt });
  }
  return { response, release: NOTHING_HELD };
};
