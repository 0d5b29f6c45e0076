/**
 * @module
 * The events and errors a store writes by itself, in the same transaction
 * as the state change they announce — `run.started` with a claim, `run.failed`
 * with the cancel of a queued run or with giving up after repeated crashes —
 * built here once so every backend writes them alike.
 */
import { ERROR_CODES, type Problem, type RunError, type RunEvent } from '@squire/client/contract';
import type { StoredEvent } from './store.js';

function stored(event: RunEvent): StoredEvent {
  return { seq: event.seq, type: event.type, data: JSON.stringify(event) };
}

export function startedEvent(runId: string, seq: number, attempt: number): StoredEvent {
  return stored({ type: 'run.started', attempt, run_id: runId, seq });
}

export interface StoreEnding {
  error: RunError;
  event: StoredEvent;
}

/** A queued run cancelled before any attempt started. */
export function cancelledBeforeStart(runId: string, seq: number): StoreEnding {
  const detail = 'the run was cancelled before it started';
  const problem: Problem = { type: 'about:blank', status: ERROR_CODES.cancelled.status, title: ERROR_CODES.cancelled.title, detail, code: 'cancelled', retryable: false, run_id: runId };
  return { error: { code: 'cancelled', message: 'cancelled before it started' }, event: stored({ type: 'run.failed', error: problem, run_id: runId, seq }) };
}

/** A run whose every attempt was cut off (its owner died each time). */
export function gaveUpAfterAttempts(runId: string, seq: number, attempts: number): StoreEnding {
  const message = `the sidecar stopped during each of ${attempts} attempts`;
  const problem: Problem = { type: 'about:blank', status: 500, title: 'Run gave up after repeated interruptions', detail: message, code: 'max_attempts_exceeded', retryable: false, run_id: runId };
  return { error: { code: 'max_attempts_exceeded', message, retryable: false }, event: stored({ type: 'run.failed', error: problem, run_id: runId, seq }) };
}

/** A paused run nobody answered in time. */
export function pauseExpired(runId: string, seq: number): StoreEnding {
  const detail = 'nobody answered the run while it waited for input';
  const problem: Problem = { type: 'about:blank', status: ERROR_CODES.deadline_exceeded.status, title: ERROR_CODES.deadline_exceeded.title, detail, code: 'deadline_exceeded', retryable: false, run_id: runId };
  return { error: { code: 'deadline_exceeded', message: detail, retryable: false }, event: stored({ type: 'run.failed', error: problem, run_id: runId, seq }) };
}
