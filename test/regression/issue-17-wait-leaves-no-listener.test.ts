/**
 * Issue 17: `RunHandle.wait({ signal })` added one abort listener to the
 * caller's signal per poll and never removed it
 * (`MaxListenersExceededWarning` after 11 polls). 100 polls must leave none.
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type SquireClient } from '@squire/client';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';

let server: FaultServer | undefined;
let client: SquireClient | undefined;
afterEach(async () => {
  await client?.destroy();
  await server?.close();
});

const record = (status: string) => ({ kind: 'json' as const, body: { run_id: 'run_1', status, input: {}, attempt: 1, max_attempts: 3, created_at: new Date(0).toISOString() } });

describe('RunHandle.wait', () => {
  it('polls 100 times with a signal and leaves no listener on it', async () => {
    server = await startFaultServer(record('succeeded'));
    server.script(...Array.from({ length: 99 }, () => record('running')));
    client = createClient({ sidecars: { agent: server.url } });
    const controller = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, getEventListeners(controller.signal, 'abort').length)), 1);
    try {
      const done = await client.agent('agent').run('run_1').wait({ signal: controller.signal, pollMs: 1 });
      expect(done.status).toBe('succeeded');
    } finally {
      clearInterval(sampler);
      process.off('warning', onWarning);
    }
    expect(server.requests).toHaveLength(100);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // While waiting, one poll or one sleep listens at a time.
    expect(most).toBeLessThanOrEqual(1);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('stops at once when the signal aborts, as AbortError', async () => {
    server = await startFaultServer(record('running'));
    client = createClient({ sidecars: { agent: server.url } });
    const controller = new AbortController();
    const waiting = client.agent('agent').run('run_1').wait({ signal: controller.signal, pollMs: 60_000 });
    await expect.poll(() => server!.requests.length).toBe(1);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError', code: 'aborted', runId: 'run_1' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
