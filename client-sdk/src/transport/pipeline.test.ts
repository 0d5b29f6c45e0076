/**
 * The call loop and the attempt steps without sockets: replicas are real
 * `Endpoint`s (an undici pool opens no connection until asked), attempts
 * are scripted handlers, randomness is seeded. Assertions are counts,
 * orders and causes, never durations.
 */
import { EventEmitter } from 'node:events';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, OverloadedError, TimeoutError, fromResponse, isSquireError, type SquireError } from '../errors.js';
import { ClientEventBus } from '../events.js';
import { seededRandom } from '../internal/random.js';
import { resolveOptions, type ClientOptions } from '../options.js';
import { RetryBudget } from '../policies/retry-budget.js';
import { bulkheadStep, breakerStep } from './admission.js';
import { composeAttempt, type Answer, type Attempt, type AttemptHandler } from './attempt.js';
import { CallState } from './call.js';
import { Endpoint } from './endpoint.js';
import { runCall, type CallPipeline } from './pipeline.js';

const endpoints: Endpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.destroy()));
});

function fakeAnswer(status = 200): Answer {
  const body = Object.assign(new EventEmitter(), { text: async () => '{}' });
  return { response: { statusCode: status, headers: {}, body } as unknown as Dispatcher.ResponseData, release: () => undefined };
}

function setup(options: Partial<ClientOptions> = {}, replicaCount = 1) {
  const config = resolveOptions({ sidecars: { agent: { endpoints: Array.from({ length: replicaCount }, (_, i) => `http://127.0.0.1:${40_001 + i}`) } }, backoffBaseMs: 1, backoffMaxMs: 2, ...options }).sidecars.get('agent')!;
  const events = new ClientEventBus();
  const replicas = config.endpoints.map((spec) => new Endpoint(spec.url, spec.weight, config, events, undefined));
  endpoints.push(...replicas);
  const attempts: Attempt[] = [];
  let script: Array<(attempt: Attempt) => Promise<Answer>> = [];
  const handler: AttemptHandler = (attempt) => {
    attempts.push(attempt);
    const next = script.shift();
    return next ? next(attempt) : Promise.resolve(fakeAnswer());
  };
  const pipeline: { -readonly [K in keyof CallPipeline]: CallPipeline[K] } = {
    config,
    replicas: () => replicas,
    noReplica: () => new ConnectionError('none', { code: 'no_endpoint' }),
    attempt: handler,
    budget: new RetryBudget({ ratio: 1, minPerSecond: 100, windowMs: 10_000 }),
    events,
    logger: undefined,
    random: seededRandom(1),
    counters: { retries: 0 },
  };
  const call = (callOptions: ConstructorParameters<typeof CallState>[2] = {}) => {
    const state = new CallState(config, { method: 'POST', path: '/v1/invoke', body: '{}', idempotent: false }, callOptions);
    return runCall(state, pipeline).finally(() => state.finish());
  };
  return { config, replicas, attempts, pipeline, call, script: (...steps: Array<(attempt: Attempt) => Promise<Answer>>) => (script = steps) };
}

const refuse = (attempt: Attempt) => Promise.reject(new ConnectionError('refused', { code: 'connection_refused', endpoint: attempt.endpoint.url, cause: new Error('ECONNREFUSED') }));
const answerWith = (status: number, code: string, retryAfterMs?: number) => (attempt: Attempt) =>
  Promise.reject(fromResponse(status, JSON.stringify({ status, title: code, code, retryable: true }), { endpoint: attempt.endpoint.url, ...(retryAfterMs !== undefined && { retryAfterMs }) }));
const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as SquireError);

describe('runCall', () => {
  it('retries a refused connection with the same idempotency key, and counts attempts', async () => {
    const { call, attempts, script } = setup();
    script(refuse, refuse);
    await call();
    expect(attempts.map((attempt) => attempt.number)).toEqual([1, 2, 3]);
    expect(new Set(attempts.map((attempt) => attempt.call.key)).size).toBe(1);
  });

  it('moves a retry to a replica the call has not tried', async () => {
    const { call, attempts, script } = setup({}, 3);
    script(refuse, refuse);
    await call();
    expect(new Set(attempts.map((attempt) => attempt.endpoint.url)).size).toBe(3);
  });

  it('does not retry upstream_error or rate_limited: the sidecar already spent the retries', async () => {
    const { call, attempts, script } = setup();
    script(answerWith(502, 'upstream_error'));
    expect(await caught(call())).toMatchObject({ name: 'UpstreamError', attempts: 1 });
    script(answerWith(429, 'rate_limited', 7000));
    expect(await caught(call())).toMatchObject({ name: 'RateLimitedError', retryAfterMs: 7000 });
    expect(attempts).toHaveLength(2);
  });

  it('gives up with deadline_exceeded, caused by the last failure, rather than start a hopeless attempt', async () => {
    const { call, attempts, script } = setup({ timeoutMs: 300, minAttemptMs: 1000 });
    script(refuse);
    const error = await caught(call());
    expect(attempts).toHaveLength(1);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'deadline_exceeded', phase: 'overall', attempts: 1 });
    expect(error!.cause).toBeInstanceOf(ConnectionError);
    expect((error!.cause as SquireError).cause).toBeInstanceOf(Error);
  });

  it("takes the endpoint's median latency as the minimum once it has history", async () => {
    const { call, attempts, script, replicas } = setup({ timeoutMs: 2000, minAttemptMs: 0 });
    for (let i = 0; i < 5; i += 1) replicas[0]!.latency.record(5000);
    script(refuse);
    expect(await caught(call())).toMatchObject({ code: 'deadline_exceeded' });
    expect(attempts).toHaveLength(1);
  });

  it('fails with the overload itself when its Retry-After is longer than the budget', async () => {
    const { call, attempts, script } = setup({ timeoutMs: 1000 });
    script(answerWith(429, 'overloaded', 30_000));
    expect(await caught(call())).toBeInstanceOf(OverloadedError);
    expect(attempts).toHaveLength(1);
  });

  it('ends with the call timeout, caused by the retried failure, when the deadline passes mid-attempt', async () => {
    const { call, script } = setup({ timeoutMs: 200, minAttemptMs: 0 });
    const hang = (attempt: Attempt) => new Promise<Answer>((_, reject) => attempt.call.cancel.onAbort(reject));
    script(refuse, hang);
    const error = await caught(call());
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'timeout', attempts: 2 });
    expect(error!.cause).toMatchObject({ code: 'connection_refused' });
  });

  it('never retries a caller abort, and unhooks the caller signal', async () => {
    const { call, attempts, script } = setup();
    const controller = new AbortController();
    const hang = (attempt: Attempt) => {
      controller.abort();
      return new Promise<Answer>((_, reject) => attempt.call.cancel.onAbort(reject));
    };
    script(hang);
    expect(await caught(call({ signal: controller.signal }))).toMatchObject({ name: 'AbortError', code: 'aborted' });
    expect(attempts).toHaveLength(1);
  });

  it('says why no replica is left, with the failure that took the last one out as the cause', async () => {
    const { call, script, pipeline, replicas } = setup();
    const causes: unknown[] = [];
    pipeline.noReplica = (_now, lastFailure) => {
      causes.push(lastFailure);
      return new ConnectionError('no replica takes calls', { code: 'no_endpoint', cause: lastFailure });
    };
    script((attempt) => {
      replicas[0]!.ready = false;
      return refuse(attempt);
    });
    const error = await caught(call());
    expect(error).toMatchObject({ code: 'no_endpoint', attempts: 2 });
    expect(causes).toHaveLength(1);
    expect(error!.cause).toMatchObject({ code: 'connection_refused' });
  });

  it('stops at maxRetries and throws the last failure with its attempt count', async () => {
    const { call, attempts, script } = setup({ maxRetries: 1 });
    script(refuse, refuse, refuse);
    const error = await caught(call());
    expect(isSquireError(error) && error.code).toBe('connection_refused');
    expect(error).toMatchObject({ attempts: 2 });
    expect(attempts).toHaveLength(2);
  });
});

describe('attempt steps', () => {
  it('run in order around the terminal handler, each seeing the answer on its way out', async () => {
    const order: string[] = [];
    const handler = composeAttempt(
      [
        async (attempt, next) => {
          order.push('outer in');
          const answer = await next(attempt);
          order.push('outer out');
          return answer;
        },
        async (attempt, next) => {
          order.push('inner in');
          const answer = await next(attempt);
          order.push('inner out');
          return answer;
        },
      ],
      async () => {
        order.push('dispatch');
        return fakeAnswer();
      },
    );
    await handler({} as Attempt);
    expect(order).toEqual(['outer in', 'inner in', 'dispatch', 'inner out', 'outer out']);
  });

  it('hold an in-flight place until the answer is released, and free it on failure', async () => {
    const { replicas, config } = setup({ maxInFlight: 1 });
    const endpoint = replicas[0]!;
    const call = new CallState(config, { method: 'GET', path: '/', idempotent: true }, {});
    const attempt = { call, endpoint, number: 1, sentAt: 0 };
    const handler = composeAttempt([bulkheadStep, breakerStep], async () => fakeAnswer());
    const answer = await handler(attempt);
    expect(endpoint.bulkhead.inFlight).toBe(1);
    expect(await caught(handler(attempt))).toMatchObject({ code: 'client_overloaded', phase: 'admission' });
    answer.release();
    expect(endpoint.bulkhead.inFlight).toBe(0);
    const failing = composeAttempt([bulkheadStep, breakerStep], () => refuse(attempt));
    await caught(failing(attempt));
    expect(endpoint.bulkhead.inFlight).toBe(0);
    call.finish();
  });

  it('open the breaker after consecutive failures, and then fail fast without a request', async () => {
    const { replicas, config } = setup({ breakerFailureThreshold: 2 });
    const endpoint = replicas[0]!;
    const call = new CallState(config, { method: 'GET', path: '/', idempotent: true }, {});
    const attempt = { call, endpoint, number: 1, sentAt: 0 };
    let sent = 0;
    const handler = composeAttempt([bulkheadStep, breakerStep], () => {
      sent += 1;
      return refuse(attempt);
    });
    await caught(handler(attempt));
    await caught(handler(attempt));
    const fast = await caught(handler(attempt));
    expect(fast).toMatchObject({ name: 'CircuitOpenError', code: 'circuit_open', phase: 'admission' });
    expect(fast!.retryAfterMs).toBeGreaterThan(0);
    expect(sent).toBe(2);
    // An agent's own failure says nothing against the sidecar.
    const other = setup({ breakerFailureThreshold: 1 });
    const agentFailure = composeAttempt([breakerStep], answerWith(500, 'agent_error'));
    const otherAttempt = { call, endpoint: other.replicas[0]!, number: 1, sentAt: 0 };
    await caught(agentFailure(otherAttempt));
    expect(other.replicas[0]!.breaker.state.state).toBe('closed');
    call.finish();
  });
});
