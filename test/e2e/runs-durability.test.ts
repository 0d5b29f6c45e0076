/**
 * Durable runs against real processes and real SQLite files: kill -9 in the
 * middle of 200 runs, drain with queued runs, event replay with
 * Last-Event-ID, cancel, and start-up on a corrupt or locked database.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient, type RunEvent } from '@squire/client';
import { REPO_ROOT, runSidecarOnce, startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';
import { sideEffectsByRun } from '../helpers/side-effects.js';

const COUNTING = join(REPO_ROOT, 'test/fixtures/agents/counting.ts');
afterAll(stopAllSidecars);

async function submit(sidecar: RunningSidecar, input: unknown): Promise<string> {
  const response = await http(sidecar.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
  expect(response.status).toBe(202);
  return response.json.run_id as string;
}

async function statuses(sidecar: RunningSidecar, ids: string[]): Promise<Map<string, { status: string; attempt: number }>> {
  const result = new Map<string, { status: string; attempt: number }>();
  for (const id of ids) {
    const record = (await http(sidecar.url, `/v1/runs/${id}`)).json;
    result.set(id, { status: record.status, attempt: record.attempt });
  }
  return result;
}

describe('crash recovery', () => {
  it('finishes all 200 runs after kill -9 mid-way: none lost, none recorded twice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'squire-crash-'));
    const log = join(dataDir, 'side-effects.log');
    const env = { SQUIRE_TEST_SIDE_EFFECTS: log };
    const first = await startSidecar({ agent: COUNTING, dataDir, env, args: ['--slots', '4'] });
    const ids: string[] = [];
    for (let i = 0; i < 200; i += 1) ids.push(await submit(first, { ms: 15, tag: String(i) }));
    await expect.poll(() => sideEffectsByRun(log).size, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(40);
    await first.kill9();
    const doneBeforeCrash = sideEffectsByRun(log).size;
    expect(doneBeforeCrash).toBeLessThan(200);

    const second = await startSidecar({ agent: COUNTING, dataDir, env, args: ['--slots', '4'] });
    const recovered = second.logLines().find((line) => line.msg === 'background runs recovered from the data dir');
    expect(recovered).toBeDefined();
    await expect
      .poll(async () => [...(await statuses(second, ids)).values()].filter((run) => run.status === 'succeeded').length, { timeout: 60_000, interval: 250 })
      .toBe(200);
    const final = await statuses(second, ids);
    const effects = sideEffectsByRun(log);
    const lost = ids.filter((id) => !effects.has(id));
    const executedTwice = ids.filter((id) => (effects.get(id) ?? 0) > 1);
    const retried = ids.filter((id) => final.get(id)!.attempt > 1);
    console.log(`crash test: ${doneBeforeCrash} done before kill -9, ${retried.length} re-executed after it (cut off while running), ${executedTwice.length} side effects written twice`);
    expect(lost).toEqual([]);
    // A run re-executes only if it was cut off while running (at most the 4 slots), and
    // a side effect repeats only if the crash fell between it and the commit of the result.
    expect(retried.length).toBeLessThanOrEqual(4);
    for (const id of executedTwice) expect(retried).toContain(id);
    for (const [id, run] of final) expect({ id, status: run.status }).toEqual({ id, status: 'succeeded' });
    await second.stop();
  });

  it('gives up on a run after --max-attempts crashes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'squire-attempts-'));
    let sidecar = await startSidecar({ agent: COUNTING, dataDir, args: ['--max-attempts', '2'] });
    const id = await submit(sidecar, { ms: 60_000 });
    for (let crash = 0; crash < 2; crash += 1) {
      await expect.poll(async () => (await http(sidecar.url, `/v1/runs/${id}`)).json.status, { timeout: 10_000 }).toBe('running');
      await sidecar.kill9();
      sidecar = await startSidecar({ agent: COUNTING, dataDir, args: ['--max-attempts', '2'] });
    }
    const record = (await http(sidecar.url, `/v1/runs/${id}`)).json;
    expect(record).toMatchObject({ status: 'failed', attempt: 2, error: { code: 'max_attempts_exceeded' } });
    await sidecar.stop();
  });
});

describe('drain', () => {
  it('exits 0 on SIGTERM with queued runs, and the next process finishes them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'squire-drain-'));
    const first = await startSidecar({ agent: COUNTING, dataDir, args: ['--slots', '1', '--grace-ms', '300'] });
    const ids = [await submit(first, { ms: 2000, tag: 'long' })];
    for (let i = 0; i < 5; i += 1) ids.push(await submit(first, { ms: 10, tag: String(i) }));
    await expect.poll(async () => (await http(first.url, `/v1/runs/${ids[0]}`)).json.status, { timeout: 10_000 }).toBe('running');
    expect(await first.stop('SIGTERM')).toBe(0);
    const second = await startSidecar({ agent: COUNTING, dataDir, args: ['--slots', '2'] });
    await expect.poll(async () => [...(await statuses(second, ids)).values()].every((run) => run.status === 'succeeded'), { timeout: 20_000, interval: 100 }).toBe(true);
    // The run cut by the drain ran again as the same attempt: a drain is not a crash.
    expect((await statuses(second, ids)).get(ids[0]!)!.attempt).toBe(1);
    await second.stop();
  });
});

describe('events', () => {
  it('resumes with Last-Event-ID and gets every event exactly once', async () => {
    const sidecar = await startSidecar({ agent: 'slow' });
    const client = createClient({ sidecars: { slow: sidecar.url } });
    const run = await client.agent('slow').submit({ ms: 600, steps: 6 });
    const firstPart: RunEvent[] = [];
    for await (const event of run.events()) {
      firstPart.push(event);
      if (firstPart.length === 3) break;
    }
    const rest: RunEvent[] = [];
    for await (const event of run.events({ afterSeq: firstPart.at(-1)!.seq })) rest.push(event);
    const seqs = [...firstPart, ...rest].map((event) => event.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(rest.at(-1)!.type).toBe('run.completed');
    expect([...firstPart, ...rest].filter((event) => event.type === 'run.progress')).toHaveLength(6);
    // After the end, a late follower replays everything and the stream closes.
    const replay: RunEvent[] = [];
    for await (const event of run.events()) replay.push(event);
    expect(replay.map((event) => event.seq)).toEqual(seqs);
    expect((await run.wait()).output).toMatchObject({ attempt: 1 });
    await client.close();
    await sidecar.stop();
  });
});

describe('cancel', () => {
  it('cancels a queued run at once and a running one through its signal; cancel is idempotent', async () => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--slots', '1'] });
    const client = createClient({ sidecars: { slow: sidecar.url } });
    const agent = client.agent('slow');
    const running = await agent.submit({ ms: 30_000 });
    const queued = await agent.submit({ ms: 10 });
    await expect.poll(async () => (await running.get()).status, { timeout: 10_000 }).toBe('running');
    expect((await queued.cancel()).status).toBe('cancelled');
    const started = performance.now();
    expect((await running.cancel()).status).toBe('cancelled');
    expect(performance.now() - started).toBeLessThan(2000);
    expect((await running.cancel()).status).toBe('cancelled');
    const events: RunEvent[] = [];
    for await (const event of queued.events()) events.push(event);
    expect(events.map((event) => event.type)).toEqual(['run.failed']);
    expect((await http(sidecar.url, '/v1/runs/run_nope/cancel', { method: 'POST' })).status).toBe(404);
    await client.close();
    await sidecar.stop();
  });
});

describe('listing', () => {
  it('lists runs newest first with a status filter and a cursor', async () => {
    const sidecar = await startSidecar({ agent: 'echo' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await submit(sidecar, { text: String(i) }));
    await expect.poll(async () => (await http(sidecar.url, '/v1/runs?status=succeeded')).json.data.length, { timeout: 5000 }).toBe(5);
    const page1 = (await http(sidecar.url, '/v1/runs?limit=2')).json;
    const page2 = (await http(sidecar.url, `/v1/runs?limit=2&cursor=${page1.next_cursor}`)).json;
    const page3 = (await http(sidecar.url, `/v1/runs?limit=2&cursor=${page2.next_cursor}`)).json;
    expect([...page1.data, ...page2.data, ...page3.data].map((run: { run_id: string }) => run.run_id)).toEqual([...ids].reverse());
    expect(page3.next_cursor).toBeNull();
    expect((await http(sidecar.url, '/v1/runs?status=bogus')).status).toBe(400);
    expect((await http(sidecar.url, '/v1/runs?cursor=garbage')).status).toBe(400);
    expect((await http(sidecar.url, '/v1/runs/run_missing')).status).toBe(404);
    await sidecar.stop();
  });

  it('answers 429 past --runs-max-queued', async () => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--slots', '1', '--runs-max-queued', '2'] });
    const post = () => http(sidecar.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { ms: 5000 } }) });
    await post();
    await expect.poll(async () => (await http(sidecar.url, '/v1/runs?status=running')).json.data.length).toBe(1);
    const keyed = () =>
      http(sidecar.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'full-queue' }, body: JSON.stringify({ input: { ms: 5000 } }) });
    expect((await post()).status).toBe(202);
    const stored = await keyed();
    expect(stored.status).toBe(202);
    const over = await post();
    expect(over.status).toBe(429);
    expect(over.json.code).toBe('overloaded');
    // A retry of a submission already stored still gets its run, not the 429.
    const retried = await keyed();
    expect(retried.status).toBe(202);
    expect(retried.json.run_id).toBe(stored.json.run_id);
    await sidecar.stop('SIGKILL');
  });
});

describe('bad database', () => {
  it('refuses to start on a corrupt runs.db, naming the file, and leaves it untouched', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'squire-corrupt-'));
    const garbage = 'this is not a sqlite database '.repeat(200);
    writeFileSync(join(dataDir, 'runs.db'), garbage);
    const result = await runSidecarOnce(['--agent', COUNTING, '--port', '0', '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(dataDir, 'runs.db'));
    expect(result.stderr).toMatch(/not a valid database/);
    expect(readFileSync(join(dataDir, 'runs.db'), 'utf8')).toBe(garbage);
  });

  it('refuses to start on a runs.db another process holds locked', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'squire-locked-'));
    const first = await startSidecar({ agent: COUNTING, dataDir });
    await first.stop();
    const holder = new Database(join(dataDir, 'runs.db'));
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const result = await runSidecarOnce(['--agent', COUNTING, '--port', '0', '--data-dir', dataDir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/lock/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});
