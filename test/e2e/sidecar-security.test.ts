/**
 * Safe by default: bearer auth with exact probe exemptions, refusal to bind
 * beyond loopback without a token, unix socket mode 0600, slow-header clients
 * cut within seconds, and a health port that serves nothing but the probes.
 */
import { statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSidecarOnce, startSidecar, stopAllSidecars, agentPath, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http, invoke } from '../helpers/http.js';

const TOKEN = 'test-token-0123456789abcdef';
let guarded: RunningSidecar;

beforeAll(async () => {
  guarded = await startSidecar({ agent: 'echo', env: { SQUIRE_TOKEN: TOKEN } });
});
afterAll(stopAllSidecars);

describe('bearer auth', () => {
  it('answers 401 without a token and with a wrong one, 200 with the right one', async () => {
    const missing = await invoke(guarded.url, { text: 'x' });
    expect(missing.status).toBe(401);
    expect(missing.json.code).toBe('unauthorized');
    const wrong = await invoke(guarded.url, { text: 'x' }, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const basic = await invoke(guarded.url, { text: 'x' }, { headers: { authorization: `Basic ${TOKEN}` } });
    expect(basic.status).toBe(401);
    const right = await invoke(guarded.url, { text: 'x' }, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
  });

  it('exempts exactly /healthz and /readyz', async () => {
    expect((await http(guarded.url, '/healthz')).status).toBe(200);
    expect((await http(guarded.url, '/readyz')).status).toBe(200);
    for (const path of ['/v1/agent', '/metrics', '/openapi.json', '/healthz/', '/healthz/../v1/agent', '/v1/agent?x=/healthz', '/healthz%2F..%2Fv1%2Fagent']) {
      const response = await http(guarded.url, path);
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
    }
  });

  it('does not run the agent for path tricks that end at /v1/invoke', async () => {
    for (const path of ['/healthz/../v1/invoke', '/v1/invoke?x=/healthz', '/readyz/..%2Fv1/invoke']) {
      const response = await http(guarded.url, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":{"text":"x"}}' });
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
    }
  });

  it('reads the token from SQUIRE_TOKEN_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squire-token-'));
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    const sidecar = await startSidecar({ agent: 'echo', env: { SQUIRE_TOKEN_FILE: join(dir, 'token') } });
    expect((await invoke(sidecar.url, { text: 'x' })).status).toBe(401);
    expect((await invoke(sidecar.url, { text: 'x' }, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    await sidecar.stop();
  });
});

describe('unix socket', () => {
  it('listens on a socket with mode 0600 and serves the contract there', async () => {
    const sidecar = await startSidecar({ agent: 'echo', socket: true });
    expect(statSync(sidecar.socketPath!).mode & 0o777).toBe(0o600);
    const response = await invoke(sidecar.url, { text: 'over a socket' }, { socketPath: sidecar.socketPath });
    expect(response.json.output).toEqual({ text: 'over a socket' });
    expect(await sidecar.stop()).toBe(0);
  });
});

describe('slow clients', () => {
  it('cuts a client that never finishes its headers within seconds', async () => {
    const sidecar = await startSidecar({ agent: 'echo', args: ['--headers-timeout-ms', '1000'] });
    const { port } = new URL(sidecar.url);
    const started = performance.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: '));
      socket.on('data', () => undefined);
      socket.on('close', () => resolve(performance.now() - started));
      socket.on('error', () => undefined);
      setTimeout(() => reject(new Error('socket still open after 8 s')), 8000).unref();
    });
    expect(closedAfter).toBeLessThan(4000);
    await sidecar.stop();
  });
});

describe('header limits', () => {
  it('answers 431 to headers past 16 KiB and keeps serving', async () => {
    const response = await http(guarded.url, '/healthz', { headers: { 'x-big': 'a'.repeat(20 * 1024) } });
    expect(response.status).toBe(431);
    expect((await http(guarded.url, '/healthz')).status).toBe(200);
  });
});

describe('health port', () => {
  it('serves only /healthz and /readyz on --health-port', async () => {
    const sidecar = await startSidecar({ agent: 'echo', env: { SQUIRE_TOKEN: TOKEN }, args: ['--health-port', '0', '--health-host', '127.0.0.1'] });
    const line = sidecar.logLines().find((entry) => entry.msg === 'listening');
    const healthUrl = String(line?.healthAddress);
    expect(healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await http(healthUrl, '/healthz')).status).toBe(200);
    expect((await http(healthUrl, '/readyz')).status).toBe(200);
    expect((await http(healthUrl, '/v1/agent', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect((await http(healthUrl, '/v1/invoke', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"input":{"text":"x"}}' })).status).toBe(404);
    await sidecar.stop();
  });
});

describe('bad configuration', () => {
  const echoAgent = agentPath('echo');
  const cases: Array<[string, string[], Record<string, string>, RegExp[]]> = [
    ['no agent', [], {}, [/--agent \(SQUIRE_AGENT\)/]],
    ['a missing agent file', ['--agent', '/nonexistent/agent.ts'], {}, [/does not exist/]],
    ['several bad values at once', ['--agent', echoAgent, '--slots', '0', '--port', 'http', '--max-body', 'lots'], {}, [/--slots/, /--port/, /--max-body/]],
    ['a bad env value', ['--agent', echoAgent], { SQUIRE_QUEUE_MAX: '-1' }, [/--queue-max \(SQUIRE_QUEUE_MAX\)/]],
    ['a public bind without a token', ['--agent', echoAgent, '--host', '0.0.0.0'], {}, [/--host .*token/]],
    ['an unknown flag', ['--agent', echoAgent, '--slotz', '3'], {}, [/slotz/]],
    ['a short token', ['--agent', echoAgent, '--token', 'abc'], {}, [/--token .*16/]],
    ['an unreadable token file', ['--agent', echoAgent, '--token-file', '/nonexistent/token'], {}, [/--token-file/]],
    ['metrics on a health port that is not there', ['--agent', echoAgent, '--metrics-on-health-port'], {}, [/--metrics-on-health-port .*--health-port/]],
    ['a bad boolean in the environment', ['--agent', echoAgent, '--health-port', '0'], { SQUIRE_METRICS_ON_HEALTH_PORT: 'maybe' }, [/SQUIRE_METRICS_ON_HEALTH_PORT.*true or false/]],
  ];
  for (const [name, args, env, patterns] of cases) {
    it(`exits 2 naming each problem for ${name}`, async () => {
      const result = await runSidecarOnce(args, env);
      expect(result.code).toBe(2);
      for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
    });
  }

  it('exits 2 when the module does not export an agent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squire-agent-'));
    writeFileSync(join(dir, 'not-an-agent.mjs'), 'export default { name: "x" };\n');
    const result = await runSidecarOnce(['--agent', join(dir, 'not-an-agent.mjs')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/defineAgent/);
  });
});
