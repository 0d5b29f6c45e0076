/**
 * Idempotency-Key on POST /v1/invoke and POST /v1/runs, against real
 * processes: a retry after a lost answer, concurrent duplicates, another
 * body with the same key, and replay after a restart.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

const COUNTING = join(REPO_ROOT, 'test/fixtures/agents/counting.ts');
afterAll(stopAllSidecars);

const executions = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

async function counting() {
  const dataDir = mkdtempSync(join(tmpdir(), 'squire-idem-'));
  const log = join(dataDir, 'side-effects.log');
  const sidecar = await startSidecar({ agent: COUNTING, dataDir, env: { SQUIRE_TEST_SIDE_EFFECTS: log } });
  return { sidecar, log, dataDir };
}

const keyed = (url: string, key: string, input: unknown, options: { signal?: AbortSignal; path?: string } = {}) =>
  http(url, options.path ?? '/v1/invoke', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ input }),
    ...(options.signal && { signal: options.signal }),
  });

describe('Idempotency-Key on /v1/invoke', () => {
  it('answers a retry after a lost response with the first result: the agent ran once', async () => {
    const { sidecar, log } = await counting();
    const controller = new AbortController();
    const lost = keyed(sidecar.url, 'order-1', { ms: 400, tag: 'a' }, { signal: controller.signal }).catch(() => 'lost');
    setTimeout(() => controller.abort(), 100);
    expect(await lost).toBe('lost');
    // The run kept going without its caller; the retry joins it or reads its stored answer.
    const retry = await keyed(sidecar.url, 'order-1', { ms: 400, tag: 'a' });
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const again = await keyed(sidecar.url, 'order-1', { ms: 400, tag: 'a' });
    expect(again.json.run_id).toBe(retry.json.run_id);
    expect(executions(log)).toBe(1);
    await sidecar.stop();
  });

  it('runs concurrent calls with one key once', async () => {
    const { sidecar, log } = await counting();
    const answers = await Promise.all(Array.from({ length: 5 }, () => keyed(sidecar.url, 'dup', { ms: 200, tag: 'c' })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((answer) => answer.json.run_id)).size).toBe(1);
    expect(answers.filter((answer) => answer.headers['idempotent-replayed'] === 'true')).toHaveLength(4);
    expect(executions(log)).toBe(1);
    await sidecar.stop();
  });

  it('answers 422 when a key comes back with another body, while running and after', async () => {
    const { sidecar } = await counting();
    const first = keyed(sidecar.url, 'k', { ms: 200, tag: 'one' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const clash = await keyed(sidecar.url, 'k', { ms: 200, tag: 'two' });
    expect(clash.status).toBe(422);
    expect(clash.json.code).toBe('idempotency_key_reused');
    expect((await first).status).toBe(200);
    expect((await keyed(sidecar.url, 'k', { ms: 200, tag: 'two' })).status).toBe(422);
    expect((await keyed(sidecar.url, 'x'.repeat(300), { ms: 1 })).status).toBe(400);
    await sidecar.stop();
  });

  it('replays the stored answer after a restart', async () => {
    const { sidecar, log, dataDir } = await counting();
    const first = await keyed(sidecar.url, 'durable', { ms: 10, tag: 'r' });
    await sidecar.stop();
    const restarted = await startSidecar({ agent: COUNTING, dataDir, env: { SQUIRE_TEST_SIDE_EFFECTS: log } });
    const replay = await keyed(restarted.url, 'durable', { ms: 10, tag: 'r' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json).toEqual(first.json);
    expect(executions(log)).toBe(1);
    await restarted.stop();
  });

  it('lets a call that failed retryably (deadline) run again under the same key', async () => {
    const { sidecar, log } = await counting();
    const timedOut = await http(sidecar.url, '/v1/invoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'late', 'squire-timeout-ms': '50' },
      body: JSON.stringify({ input: { ms: 300, tag: 't' } }),
    });
    expect(timedOut.status).toBe(504);
    const retried = await keyed(sidecar.url, 'late', { ms: 300, tag: 't' });
    expect(retried.status).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(executions(log)).toBe(1);
    await sidecar.stop();
  });
});

describe('Idempotency-Key on /v1/runs', () => {
  it('creates one run per key and answers duplicates with it', async () => {
    const { sidecar } = await counting();
    const posts = await Promise.all(Array.from({ length: 3 }, () => keyed(sidecar.url, 'job-7', { ms: 10, tag: 'j' }, { path: '/v1/runs' })));
    expect(posts.map((post) => post.status)).toEqual([202, 202, 202]);
    expect(new Set(posts.map((post) => post.json.run_id)).size).toBe(1);
    expect((await http(sidecar.url, '/v1/runs')).json.data).toHaveLength(1);
    expect((await keyed(sidecar.url, 'job-7', { ms: 11, tag: 'j' }, { path: '/v1/runs' })).status).toBe(422);
    await sidecar.stop();
  });
});
