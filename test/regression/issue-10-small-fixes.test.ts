/**
 * Issue #10, the small fixes, each against a real sidecar process:
 * - a too-short token read from `--token-file` is reported under
 *   `--token-file`, not `--token` (the minimum, 16, is in the README);
 * - `CONNECT` answers 405 problem+json instead of closing the connection;
 * - `/healthz` and `/readyz` on the API port answer a Kubernetes probe,
 *   which sends the pod IP as `Host`, while every other path keeps the
 *   DNS-rebinding guard.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentPath, runSidecarOnce, startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

let sidecar: RunningSidecar;
beforeAll(async () => {
  sidecar = await startSidecar({ agent: 'echo' });
});
afterAll(stopAllSidecars);

describe('--token-file', () => {
  it('names --token-file when the token it holds is too short', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'squire-token-')), 'token');
    writeFileSync(file, 'short\n');
    const { code, stderr } = await runSidecarOnce(['--agent', agentPath('echo'), '--token-file', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--token-file (SQUIRE_TOKEN_FILE): the token in ${file} must be at least 16 characters`);
    expect(stderr).not.toContain('--token (SQUIRE_TOKEN):');
  });

  it('still names --token for a short --token', async () => {
    const { code, stderr } = await runSidecarOnce(['--agent', agentPath('echo'), '--token', 'short']);
    expect(code).toBe(2);
    expect(stderr).toContain('--token (SQUIRE_TOKEN): must be at least 16 characters');
  });
});

/** Sends raw bytes and collects everything the server answers until it closes. */
function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5000, () => reject(new Error(`no end of answer: ${JSON.stringify(answer)}`)));
  });
}

describe('CONNECT', () => {
  it('answers 405 problem+json and closes', async () => {
    const answer = await rawExchange(sidecar.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 405, code: 'method_not_allowed', retryable: false });
  });

  it('leaves the sidecar serving', async () => {
    expect((await http(sidecar.url, '/healthz')).status).toBe(200);
  });
});

describe('probes with the pod IP as Host', () => {
  const podHost = { host: '10.42.0.17:7700' };

  it.each(['/healthz', '/readyz'])('%s answers 200', async (path) => {
    expect((await http(sidecar.url, path, { headers: podHost })).status).toBe(200);
  });

  it.each(['/v1/agent', '/healthz/../v1/agent', '/metrics'])('%s keeps the Host check (403 forbidden_host)', async (path) => {
    const response = await http(sidecar.url, path, { headers: podHost });
    expect(response.status).toBe(403);
    expect(response.json).toMatchObject({ code: 'forbidden_host' });
  });
});
