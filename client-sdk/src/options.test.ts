import { describe, expect, it } from 'vitest';
import { resolveOptions, DEFAULT_CLIENT_OPTIONS, parseEndpointSafe } from './options.js';
import { SquireConfigError } from './errors.js';

describe('resolveOptions', () => {
  it('layers defaults, client options and per-sidecar options, keeping zeros', () => {
    const resolved = resolveOptions({ sidecars: { a: 'http://127.0.0.1:1', b: { url: 'unix:/tmp/b.sock', maxRetries: 0, token: 't' } }, maxRetries: 5, timeoutMs: 1000 });
    expect(resolved.sidecars.get('a')).toMatchObject({ maxRetries: 5, timeoutMs: 1000, connections: DEFAULT_CLIENT_OPTIONS.connections });
    expect(resolved.sidecars.get('b')).toMatchObject({ maxRetries: 0, timeoutMs: 1000, token: 't' });
  });

  it('names each bad option and its value', () => {
    let error: unknown;
    try {
      resolveOptions({ sidecars: { a: 'ftp://x', b: { url: 'http://x:1', maxRetries: -1 } }, timeoutMs: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SquireConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/sidecars\.a: must be http/);
    expect(message).toMatch(/sidecars\.b\.maxRetries: .*\(got -1\)/);
    expect(message).toMatch(/timeoutMs: .*\(got 0\)/);
  });

  it('points renamed options to their new names', () => {
    expect(() => resolveOptions({ sidecars: {}, timeout: 5 } as never)).toThrow(/"timeout" is now "timeoutMs"/);
  });
});

describe('parseEndpointSafe', () => {
  it('accepts http, https and absolute unix socket endpoints only', () => {
    expect(parseEndpointSafe('http://127.0.0.1:7700')).toEqual({ origin: 'http://127.0.0.1:7700', socketPath: undefined });
    expect(parseEndpointSafe('unix:/run/a.sock')).toEqual({ origin: 'http://localhost', socketPath: '/run/a.sock' });
    expect(parseEndpointSafe('unix:relative.sock')).toBeUndefined();
    expect(parseEndpointSafe('http://host/with/path')).toBeUndefined();
    expect(parseEndpointSafe('grpc://host')).toBeUndefined();
  });
});
