import { describe, expect, it } from 'vitest';
import { AgentError, AuthError, HttpError, InvalidInputError, OverloadedError, TimeoutError, UpstreamError, fromResponse, isSquireError, isTimeoutError } from './errors.js';

const problem = (status: number, code: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'about:blank', status, title: code, code, retryable: status >= 500, ...extra });

describe('fromResponse', () => {
  it('maps contract problem codes to error classes', () => {
    expect(fromResponse(400, problem(400, 'invalid_input', { issues: [{ path: ['a'], message: 'm', code: 'c' }] }))).toBeInstanceOf(InvalidInputError);
    expect(fromResponse(401, problem(401, 'unauthorized'))).toBeInstanceOf(AuthError);
    expect(fromResponse(429, problem(429, 'overloaded'))).toBeInstanceOf(OverloadedError);
    expect(fromResponse(429, problem(429, 'rate_limited'))).toBeInstanceOf(UpstreamError);
    expect(fromResponse(500, problem(500, 'agent_error'))).toBeInstanceOf(AgentError);
    expect(fromResponse(502, problem(502, 'upstream_error'))).toBeInstanceOf(UpstreamError);
    expect(fromResponse(504, problem(504, 'deadline_exceeded'))).toBeInstanceOf(TimeoutError);
    expect(fromResponse(404, problem(404, 'not_found'))).toBeInstanceOf(HttpError);
  });

  it('keeps run id, issues and retryable from the problem', () => {
    const error = fromResponse(400, problem(400, 'invalid_input', { run_id: 'run_1', issues: [{ path: ['x'], message: 'bad', code: 'c' }] }), { sidecar: 's' }) as InvalidInputError;
    expect(error).toMatchObject({ runId: 'run_1', sidecar: 's', status: 400, code: 'invalid_input', retryable: false });
    expect(error.issues[0]!.path).toEqual(['x']);
  });

  it('classifies non-problem bodies by status', () => {
    const error = fromResponse(502, '<html>bad gateway</html>');
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toContain('HTTP 502');
  });

  it('brands errors so guards work across copies of the package', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('squire.client.error')]: true, name: 'TimeoutError' });
    expect(isSquireError(foreign)).toBe(true);
    expect(isTimeoutError(foreign)).toBe(true);
    expect(isSquireError(new Error('plain'))).toBe(false);
  });
});
