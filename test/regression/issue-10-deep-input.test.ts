/**
 * Issue #10, item 2: a body nested deeper than the configured limit
 * (`--max-body-depth`) is refused with 400 `body_too_deep` on every route
 * that takes a body (contract v1 and the MCP, A2A and OpenAI-chat routes,
 * each in its own error shape), before anything recursive touches it; a
 * body at the limit is accepted. Deep input used to answer 500 on
 * `POST /v1/runs`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

const ANY_JSON = join(REPO_ROOT, 'test/fixtures/agents/any-json.ts');
const LIMIT = 32;
let sidecar: RunningSidecar;
beforeAll(async () => {
  sidecar = await startSidecar({ agent: ANY_JSON, args: ['--max-body-depth', String(LIMIT)] });
});
afterAll(stopAllSidecars);

/** A body whose deepest nesting (the envelope included) is exactly `depth`. */
const bodyOfDepth = (depth: number) => `{"input":{"nested":${'['.repeat(depth - 2)}${']'.repeat(depth - 2)}}}`;

const ROUTES: Array<{ name: string; path: string; headers: Record<string, string>; ok: number }> = [
  { name: 'POST /v1/invoke', path: '/v1/invoke', headers: {}, ok: 200 },
  { name: 'POST /v1/invoke (SSE)', path: '/v1/invoke', headers: { accept: 'text/event-stream' }, ok: 200 },
  { name: 'POST /v1/invoke (Idempotency-Key)', path: '/v1/invoke', headers: { 'idempotency-key': 'deep-invoke' }, ok: 200 },
  { name: 'POST /v1/runs', path: '/v1/runs', headers: {}, ok: 202 },
  { name: 'POST /v1/runs (Idempotency-Key)', path: '/v1/runs', headers: { 'idempotency-key': 'deep-run' }, ok: 202 },
];

describe.each(ROUTES)('$name', ({ path, headers, ok }) => {
  it.each([LIMIT + 1, 5_000, 200_000])('answers 400 body_too_deep at depth %i', async (depth) => {
    const response = await http(sidecar.url, path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: bodyOfDepth(depth) });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ code: 'body_too_deep', retryable: false });
    expect(response.json.detail).toContain(String(LIMIT));
  });

  it('accepts a body exactly at the limit', async () => {
    const response = await http(sidecar.url, path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: bodyOfDepth(LIMIT) });
    expect(response.status).toBe(ok);
  });
});

/** The protocol routes beside contract v1 read their bodies through the same reader; each answers in its own error shape. */
const PROTOCOL_ROUTES: Array<{ name: string; path: string; headers: Record<string, string>; body: (nested: string) => string; code: (json: any) => unknown }> = [ // eslint-disable-line @typescript-eslint/no-explicit-any
  { name: 'POST /mcp', path: '/mcp', headers: { accept: 'application/json, text/event-stream' }, body: (nested) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"a":${nested}}}`, code: (json) => json.error.data.code },
  { name: 'POST /a2a', path: '/a2a', headers: { 'a2a-version': '1.0' }, body: (nested) => `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"a":${nested}}}`, code: (json) => json.error.data[0].metadata.code },
  { name: 'POST /v1/chat/completions', path: '/v1/chat/completions', headers: {}, body: (nested) => `{"model":"any-json","messages":${nested}}`, code: (json) => json.error.code },
];

describe.each(PROTOCOL_ROUTES)('$name', ({ path, headers, body, code }) => {
  it('answers 400 with code body_too_deep past the limit', async () => {
    const nested = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const response = await http(sidecar.url, path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body(nested) });
    expect(response.status).toBe(400);
    expect(code(response.json)).toBe('body_too_deep');
  });
});

it('keeps serving after the refusals', async () => {
  expect((await http(sidecar.url, '/healthz')).status).toBe(200);
});
