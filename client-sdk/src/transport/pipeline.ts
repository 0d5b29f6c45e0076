/**
 * @module
 * The call loop: pick a replica, run the attempt pipeline (bulkhead →
 * breaker → replica health → classify → dispatch), and on failure ask the
 * retry decision whether and when to try again — never past the deadline,
 * never with less budget than an attempt usually needs, never beyond the
 * retry budget. A call that gives up for lack of time fails with
 * `deadline_exceeded` whose `cause` is the last real failure.
 */
import { TimeoutError, isSquireError, type SquireError } from '../errors.js';
import type { ClientEventBus } from '../events.js';
import { sleep } from '../internal/timers.js';
import type { Random } from '../internal/random.js';
import type { Logger } from '../logger.js';
import type { ResolvedSidecar } from '../options.js';
import { hasUntriedReplica, pickReplica } from '../balancing/pick.js';
import { minimumUsefulBudgetMs, type LatencyHistory } from '../policies/attempt-floor.js';
import { decideRetry, type RetryDecision } from '../policies/retry-decision.js';
import type { RetryBudget } from '../policies/retry-budget.js';
import type { Answer, AttemptHandler } from './attempt.js';
import type { CallState } from './call.js';
import { classifyThrown } from './classify.js';
import type { Endpoint } from './endpoint.js';

export interface CallPipeline {
  readonly config: Readonly<ResolvedSidecar>;
  /** The replicas now (they change at run time). */
  replicas(): readonly Endpoint[];
  /** Why no replica can take a call now (`lastFailure`: the call's previous failure, its likely cause). */
  noReplica(now: number, lastFailure: SquireError | undefined): SquireError;
  readonly attempt: AttemptHandler;
  readonly budget: RetryBudget;
  readonly events: ClientEventBus;
  readonly logger: Logger | undefined;
  readonly random: Random;
  /** Retries made, for `stats()`. */
  readonly counters: { retries: number };
}

const NO_HISTORY: LatencyHistory = { count: 0, median: () => undefined };

/** Runs attempts until one answers 2xx (resolved) or the call gives up (rejected with a `SquireError`). */
export async function runCall(call: CallState, pipeline: CallPipeline): Promise<Answer> {
  for (;;) {
    call.attempt += 1;
    const replicas = pipeline.replicas();
    const endpoint = pickReplica(replicas, { now: Date.now(), tried: call.tried, sessionId: call.options.sessionId, random: pipeline.random });
    let failure: SquireError;
    if (endpoint === undefined) {
      failure = pipeline.noReplica(Date.now(), call.lastFailure).withAttempts(call.attempt);
    } else {
      try {
        return await pipeline.attempt({ call, endpoint, number: call.attempt, sentAt: 0 });
      } catch (error) {
        failure = isSquireError(error) ? error.withAttempts(call.attempt) : classifyThrown(error, call, 'headers', endpoint.url);
      }
      (call.tried ??= []).push(endpoint);
    }
    if (call.cancel.aborted) throw classifyThrown(call.cancel.reason, call, 'headers');
    const decision = decideRetry({
      failure,
      attempt: call.attempt,
      maxRetries: call.maxRetries,
      mayRepeat: call.mayRepeat,
      now: performance.now(),
      deadline: call.deadline,
      minUsefulMs: minimumUsefulBudgetMs(endpoint?.latency ?? NO_HISTORY, pipeline.config.minAttemptMs),
      maxRetryAfterMs: pipeline.config.maxRetryAfterMs,
      backoffBaseMs: pipeline.config.backoffBaseMs,
      backoffMaxMs: pipeline.config.backoffMaxMs,
      otherReplica: failure.retryAfterMs !== undefined && call.tried !== undefined && hasUntriedReplica(replicas, call.tried, Date.now()),
      random: pipeline.random,
    });
    if (!decision.retry) throw giveUp(decision, failure, call);
    if (!pipeline.budget.tryRetry()) {
      pipeline.logger?.warn({ sidecar: call.sidecar, code: failure.code }, 'squire: retry budget exhausted; not retrying');
      throw failure;
    }
    call.lastFailure = failure;
    pipeline.counters.retries += 1;
    pipeline.events.emit('retry', { sidecar: call.sidecar, endpoint: failure.endpoint ?? call.config.url, attempt: call.attempt, delayMs: decision.delayMs, error: failure });
    pipeline.logger?.debug({ sidecar: call.sidecar, attempt: call.attempt, delayMs: decision.delayMs, code: failure.code }, 'squire: retrying');
    try {
      await sleep(decision.delayMs, call.cancel);
    } catch (reason) {
      throw classifyThrown(reason, call, 'headers');
    }
  }
}

function giveUp(decision: Extract<RetryDecision, { retry: false }>, failure: SquireError, call: CallState): SquireError {
  if (decision.because !== 'deadline') return failure;
  const left = Math.max(0, Math.round(call.deadline - performance.now()));
  return new TimeoutError(`gave up on sidecar "${call.sidecar}" after ${call.attempt} attempt(s): ${left} ms of the ${call.timeoutMs} ms budget is less than another attempt needs; last failure: ${failure.message}`, {
    code: 'deadline_exceeded',
    sidecar: call.sidecar,
    endpoint: failure.endpoint,
    attempts: call.attempt,
    cause: failure,
  });
}
