import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { bearerGuard, rawPath, tokenMatcher } from './auth.js';
import type { SidecarError} from '../errors.js';
import { problemResponse } from '../errors.js';

const token = 'a-token-of-sixteen-chars';
const app = new Hono();
const check = bearerGuard(token);
app.use('*', (c, next) => {
  check(c.req.header('authorization'), c.req.url);
  return next();
});
app.get('*', (c) => c.text('ok'));
app.onError((error) => problemResponse(error as SidecarError));

describe('bearerGuard', () => {
  it('lets exactly the probe paths through without a token', async () => {
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
    expect((await app.request('/healthz/')).status).toBe(401);
    expect((await app.request('/v1/agent?x=/healthz')).status).toBe(401);
  });

  it('checks the bearer token', async () => {
    expect((await app.request('/v1/agent', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await app.request('/v1/agent', { headers: { authorization: `bearer ${token}` } })).status).toBe(200);
    expect((await app.request('/v1/agent', { headers: { authorization: `Bearer ${token.slice(1)}` } })).status).toBe(401);
    expect((await app.request('/v1/agent', { headers: { authorization: token } })).status).toBe(401);
  });
});

describe('rawPath', () => {
  it('keeps the path as sent, without query or fragment', () => {
    expect(rawPath('http://h:1/healthz/../v1/invoke')).toBe('/healthz/../v1/invoke');
    expect(rawPath('http://h/v1/invoke?x=/healthz')).toBe('/v1/invoke');
    expect(rawPath('http://h')).toBe('/');
    expect(rawPath('/v1/invoke?x=/healthz')).toBe('/v1/invoke');
    expect(rawPath('/healthz')).toBe('/healthz');
  });
});

describe('tokenMatcher', () => {
  it('accepts exactly the token: not a prefix, an extension or another string of its length', () => {
    const matches = tokenMatcher(token);
    expect(matches(token)).toBe(true);
    expect(matches(token.slice(0, -1))).toBe(false);
    expect(matches(`${token}x`)).toBe(false);
    expect(matches(`${token.slice(0, -1)}X`)).toBe(false);
    expect(matches('')).toBe(false);
    // The scratch buffer of one call never leaks into the next.
    expect(matches(`${token}${token}`)).toBe(false);
    expect(matches(token.slice(0, 4))).toBe(false);
    expect(matches(token)).toBe(true);
  });
});
