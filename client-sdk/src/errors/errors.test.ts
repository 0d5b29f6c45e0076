import { describe, expect, it } from 'vitest';
import { ERROR_CODE_LIST } from '../contract/index.js';
import {
  AgentError,
  AuthError,
  HttpError,
  InvalidInputError,
  OverloadedError,
  RateLimitedError,
  SQUIRE_ERROR_CODES,
  SQUIRE_ERROR_CODE_LIST,
  type SquireError,
  TimeoutError,
  UpstreamError,
  fromResponse,
  isRateLimitedError,
  isSquireError,
  isTimeoutError,
  isUpstreamError,
  squireError,
} from '../errors.js';

const problem = (status: number, code: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'about:blank', status, title: code, code, retryable: status >= 500, ...extra });

describe('the closed code table', () => {
  it('covers every code of the contract', () => {
    for (const code of ERROR_CODE_LIST) expect(SQUIRE_ERROR_CODES[code], code).toBeDefined();
  });

  it('builds each code as the class its row names, with its retryable and phase', () => {
    for (const code of SQUIRE_ERROR_CODE_LIST) {
      const spec = SQUIRE_ERROR_CODES[code];
      const error = squireError(code, 'm');
      expect(error.name, code).toBe(spec.class);
      expect(error).toMatchObject({ code, retryable: spec.retryable, phase: spec.phase });
    }
  });

  it('says which failures the sidecar already retried: the SDK does not retry them again', () => {
    expect(SQUIRE_ERROR_CODES.upstream_error.retryable).toBe(false);
    expect(SQUIRE_ERROR_CODES.rate_limited.retryable).toBe(false);
    expect(SQUIRE_ERROR_CODES.connection_refused).toEqual({ class: 'ConnectionError', retryable: true, phase: 'connect' });
  });
});

describe('fromResponse', () => {
  it('maps contract problem codes to error classes', () => {
    expect(fromResponse(400, problem(400, 'invalid_input', { issues: [{ path: ['a'], message: 'm', code: 'c' }] }))).toBeInstanceOf(InvalidInputError);
    expect(fromResponse(401, problem(401, 'unauthorized'))).toBeInstanceOf(AuthError);
    expect(fromResponse(429, problem(429, 'overloaded'))).toBeInstanceOf(OverloadedError);
    expect(fromResponse(429, problem(429, 'rate_limited'))).toBeInstanceOf(RateLimitedError);
    expect(fromResponse(500, problem(500, 'agent_error'))).toBeInstanceOf(AgentError);
    expect(fromResponse(502, problem(502, 'upstream_error'))).toBeInstanceOf(UpstreamError);
    expect(fromResponse(504, problem(504, 'deadline_exceeded'))).toBeInstanceOf(TimeoutError);
    expect(fromResponse(404, problem(404, 'not_found'))).toBeInstanceOf(HttpError);
  });

  it('keeps run id, issues, status and Retry-After from the answer', () => {
    const error = fromResponse(400, problem(400, 'invalid_input', { run_id: 'run_1', issues: [{ path: ['x'], message: 'bad', code: 'c' }] }), { sidecar: 's' }) as InvalidInputError;
    expect(error).toMatchObject({ runId: 'run_1', sidecar: 's', status: 400, code: 'invalid_input', retryable: false, phase: 'response' });
    expect(error.issues[0]!.path).toEqual(['x']);
    const limited = fromResponse(429, problem(429, 'rate_limited'), { retryAfterMs: 7000 });
    expect(isRateLimitedError(limited) && limited.retryAfterMs).toBe(7000);
    expect(isUpstreamError(limited)).toBe(true);
    expect(fromResponse(429, problem(429, 'overloaded', { retry_after: 2 })).retryAfterMs).toBe(2000);
  });

  it('classifies answers without a known code by status: a proxy 502 is retryable `unavailable`', () => {
    const error = fromResponse(502, '<html>bad gateway</html>');
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'unavailable', retryable: true });
    expect(error.message).toContain('HTTP 502');
    const newer = fromResponse(409, problem(409, 'some_future_code'));
    expect(newer.code).toBe('http_error');
    expect(newer.problem?.code).toBe('some_future_code');
  });
});

describe('SquireError', () => {
  it('brands errors so guards work across copies of the package and for subclasses', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('squire.client.error')]: true, name: 'TimeoutError' });
    expect(isSquireError(foreign)).toBe(true);
    expect(isTimeoutError(foreign)).toBe(true);
    expect(isSquireError(new Error('plain'))).toBe(false);
    expect(isUpstreamError(new RateLimitedError('slow down'))).toBe(true);
  });

  it('adds what the call learnt on a copy, never on an error already thrown', () => {
    const root = new Error('socket hang up');
    const first = new TimeoutError('late', { code: 'headers_timeout', sidecar: 's', cause: root });
    const copy = first.withAttempts(3).withEndpoint('s', 'http://127.0.0.1:1');
    expect(first.attempts).toBe(1);
    expect(first.endpoint).toBeUndefined();
    expect(copy).toBeInstanceOf(TimeoutError);
    expect(copy).toMatchObject({ attempts: 3, endpoint: 'http://127.0.0.1:1', code: 'headers_timeout', phase: 'headers', message: 'late' });
    expect(copy.cause).toBe(root);
    expect(copy.stack).toBe(first.stack);
    expect(first.withAttempts(1)).toBe(first);
  });

  it('keeps the cause chain down to the first failure', () => {
    const socket = new Error('ECONNREFUSED');
    const refused = squireError('connection_refused', 'refused', { cause: socket });
    const gaveUp = new TimeoutError('gave up', { code: 'deadline_exceeded', cause: refused });
    expect(gaveUp.cause).toBe(refused);
    expect((gaveUp.cause as SquireError).cause).toBe(socket);
  });

  it('keeps retryAfter in seconds for older callers', () => {
    expect(new OverloadedError('busy', { retryAfterMs: 1500 }).retryAfter).toBe(1.5);
  });
});
