/**
 * Issue #11, item 1: a data directory belongs to one sidecar process for
 * its whole life, and to one agent. A second process exits 2 naming the
 * directory and the holder's pid; another agent exits 2 naming the owner
 * and how to pick another directory; the lock dies with its holder (kill -9)
 * and cannot be faked by a stale pid; a later version of the same agent
 * takes over once the lock is free; and without --data-dir each agent gets
 * its own directory, so two agents started in one directory never collide.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, agentPath, runSidecarOnce, startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

afterAll(stopAllSidecars);

const ECHO_V2 = join(REPO_ROOT, 'test/fixtures/agents/echo-v2.ts');
const freshDir = () => mkdtempSync(join(tmpdir(), 'squire-owned-'));
const startOnce = (agent: string, dataDir: string) => runSidecarOnce(['--agent', agent, '--port', '0', '--data-dir', dataDir]);

describe('one process per data directory', () => {
  it('refuses a second process with exit 2, naming the directory and the holder pid', async () => {
    const dataDir = freshDir();
    const holder = await startSidecar({ agent: 'echo', dataDir });
    const second = await startOnce(agentPath('echo'), dataDir);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(dataDir);
    expect(second.stderr).toContain(`pid ${holder.pid}`);
    expect(second.stderr).toMatch(/in use by another sidecar/);
    // The holder never noticed.
    expect((await http(holder.url, '/healthz')).status).toBe(200);
    await holder.stop();
  });

  it('frees the directory the moment its holder dies by kill -9', async () => {
    const dataDir = freshDir();
    const first = await startSidecar({ agent: 'echo', dataDir });
    await first.kill9();
    const next = await startSidecar({ agent: 'echo', dataDir });
    expect((await http(next.url, '/healthz')).status).toBe(200);
    await next.stop();
  });

  it('is not fooled by a recorded pid that is alive but holds no lock (pid reuse)', async () => {
    const dataDir = freshDir();
    const first = await startSidecar({ agent: 'echo', dataDir });
    await first.stop();
    // As after a container restart: the recorded pid now belongs to a live, unrelated process.
    writeFileSync(join(dataDir, 'owner.json'), JSON.stringify({ pid: process.pid, agent: 'echo', version: '1.0.0', host: 'here', since: new Date().toISOString() }));
    const next = await startSidecar({ agent: 'echo', dataDir });
    expect((await http(next.url, '/healthz')).status).toBe(200);
    await next.stop();
  });
});

describe('one agent per data directory', () => {
  it('refuses another agent with exit 2, naming the owner and how to choose another directory', async () => {
    const dataDir = freshDir();
    const echo = await startSidecar({ agent: 'echo', dataDir });
    await echo.stop();
    const slow = await startOnce(agentPath('slow'), dataDir);
    expect(slow.code).toBe(2);
    expect(slow.stderr).toContain(dataDir);
    expect(slow.stderr).toContain('agent "echo"');
    expect(slow.stderr).toContain('--data-dir');
    expect(slow.stderr).toContain(join('.squire-data', 'slow'));
  });

  it('lets a later version of the same agent take over once the lock is free (blue/green on one host)', async () => {
    const dataDir = freshDir();
    const blue = await startSidecar({ agent: 'echo', dataDir });
    const run = await http(blue.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { text: 'kept' } }) });
    expect(run.status).toBe(202);
    const early = await startOnce(ECHO_V2, dataDir);
    expect(early.code).toBe(2);
    await blue.stop();
    const green = await startSidecar({ agent: ECHO_V2, dataDir });
    expect((await http(green.url, '/v1/agent')).json.version).toBe('2.0.0');
    expect((await http(green.url, `/v1/runs/${run.json.run_id}`)).json.status).toBe('succeeded');
    await green.stop();
  });

  it('gives each agent its own default directory, so two agents started in one directory both run', async () => {
    const cwd = freshDir();
    const echo = await startSidecar({ agent: 'echo', cwd, defaultDataDir: true });
    const slow = await startSidecar({ agent: 'slow', cwd, defaultDataDir: true });
    expect((await http(echo.url, '/healthz')).status).toBe(200);
    expect((await http(slow.url, '/healthz')).status).toBe(200);
    expect(existsSync(join(cwd, '.squire-data/echo/runs.db'))).toBe(true);
    expect(existsSync(join(cwd, '.squire-data/slow/runs.db'))).toBe(true);
    await Promise.all([echo.stop(), slow.stop()]);
  });
});
