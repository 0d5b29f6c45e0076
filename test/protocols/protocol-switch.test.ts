/**
 * Which protocols a sidecar speaks is a flag: they are described in the
 * descriptor and the OpenAPI document when on, and absent (404 in contract
 * v1's shape) when off. A misspelt protocol is a configuration error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSidecarOnce, startSidecar, stopAllSidecars, agentPath, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

let all: RunningSidecar;
let none: RunningSidecar;

beforeAll(async () => {
  [all, none] = await Promise.all([startSidecar({ agent: 'echo' }), startSidecar({ agent: 'echo', env: { SQUIRE_PROTOCOLS: 'none' } })]);
});
afterAll(async () => {
  await Promise.all([all?.stop(), none?.stop()]);
  await stopAllSidecars();
});

describe('--protocols', () => {
  it('describes every protocol by default, in GET /v1/agent and the OpenAPI document', async () => {
    const { json: descriptor } = await http(all.url, '/v1/agent');
    expect(descriptor.protocols).toEqual([
      { name: 'mcp', paths: ['/mcp'], versions: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'] },
      { name: 'a2a', paths: ['/.well-known/agent-card.json', '/a2a'], versions: ['1.0'] },
      { name: 'openai', paths: ['/v1/chat/completions', '/v1/models'], versions: ['v1'] },
    ]);
    const { json: openapi } = await http(all.url, '/openapi.json');
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/mcp', '/a2a', '/.well-known/agent-card.json', '/v1/chat/completions', '/v1/models']));
  });

  it('turns them all off with none: 404 problem+json, nothing described', async () => {
    expect((await http(none.url, '/v1/agent')).json.protocols).toEqual([]);
    for (const path of ['/mcp', '/a2a', '/v1/chat/completions']) {
      const response = await http(none.url, path, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(response).toMatchObject({ status: 404, json: { code: 'not_found' } });
    }
    expect((await http(none.url, '/.well-known/agent-card.json')).status).toBe(404);
    expect(Object.keys((await http(none.url, '/openapi.json')).json.paths)).not.toContain('/mcp');
  });

  it('exits 2 naming an unknown protocol', async () => {
    const { code, stderr } = await runSidecarOnce(['--agent', agentPath('echo'), '--protocols', 'mcp,grpc']);
    expect(code).toBe(2);
    expect(stderr).toContain('--protocols (SQUIRE_PROTOCOLS): unknown protocol "grpc"');
  });
});
