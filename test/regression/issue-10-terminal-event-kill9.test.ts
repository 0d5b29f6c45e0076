/**
 * Issue #10, item 3: a run's final state and its terminal event used to be
 * written in separate transactions, so kill -9 between them left runs
 * recorded `succeeded` whose events ended without `run.completed`. Three
 * rounds of 200 background runs; in each round the runs are made to finish
 * in six bursts (they sleep until a given instant), and each burst is cut
 * by kill -9 a few milliseconds in, at a different offset each time. Every
 * run must end succeeded, with exactly one terminal event, last, and no gap
 * in its event sequence.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT, startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';
import { TERMINAL_EVENTS, storedRunEvents } from '../helpers/run-events.js';

const COUNTING = join(REPO_ROOT, 'test/fixtures/agents/counting.ts');
// Every run of a round holds a slot at once, so a burst finishes as fast as the store allows.
const ARGS = ['--slots', '200', '--runs-max-queued', '100000', '--max-attempts', '10'];
const BURSTS = 6;
const BURST_GAP_MS = 1200;
afterAll(stopAllSidecars);

async function submitAll(sidecar: RunningSidecar, inputs: unknown[]): Promise<string[]> {
  const pool = new Pool(sidecar.url, { connections: 16 });
  try {
    return await Promise.all(
      inputs.map(async (input) => {
        const response = await pool.request({ path: '/v1/runs', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
        const body = JSON.parse(await response.body.text()) as { run_id: string };
        expect(response.statusCode).toBe(202);
        return body.run_id;
      }),
    );
  } finally {
    await pool.close();
  }
}

async function countByStatus(sidecar: RunningSidecar, status: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = (await http(sidecar.url, `/v1/runs?status=${status}&limit=500${cursor ? `&cursor=${cursor}` : ''}`)).json as { data: unknown[]; next_cursor: string | null };
    count += page.data.length;
    cursor = page.next_cursor;
  } while (cursor);
  return count;
}

it('leaves no run without its terminal event across 3 rounds of 200 runs and kill -9', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'squire-kill9-'));
  const ids: string[] = [];
  let kills = 0;
  let sidecar = await startSidecar({ agent: COUNTING, dataDir, args: ARGS });
  for (let round = 0; round < 3; round += 1) {
    const first = Date.now() + 1000;
    const dueAt = Array.from({ length: BURSTS }, (_, burst) => first + burst * BURST_GAP_MS);
    ids.push(...(await submitAll(sidecar, Array.from({ length: 200 }, (_, i) => ({ until: dueAt[i % BURSTS], tag: `${round}-${i}` })))));
    for (let burst = 0; burst < BURSTS; burst += 1) {
      // A few milliseconds into the burst: some runs of it finished, some not yet.
      const offset = [3, 9, 5, 14, 7, 2, 11, 4][(round * BURSTS + burst) % 8]!;
      await sleep(Math.max(0, dueAt[burst]! + offset - Date.now()));
      await sidecar.kill9();
      kills += 1;
      sidecar = await startSidecar({ agent: COUNTING, dataDir, args: ARGS });
    }
  }
  await expect.poll(async () => (await countByStatus(sidecar, 'queued')) + (await countByStatus(sidecar, 'running')), { timeout: 60_000, interval: 100 }).toBe(0);

  const missingTerminal: string[] = [];
  const notSucceeded: string[] = [];
  const gaps: string[] = [];
  for (const id of ids) {
    const record = (await http(sidecar.url, `/v1/runs/${id}`)).json as { status: string };
    if (record.status !== 'succeeded') notSucceeded.push(`${id} ${record.status}`);
    const events = await storedRunEvents(sidecar.url, id);
    const terminal = events.filter((event) => TERMINAL_EVENTS.has(event.event));
    if (terminal.length !== 1 || !TERMINAL_EVENTS.has(events.at(-1)!.event)) missingTerminal.push(`${id}: ${events.map((event) => event.event).join(',')}`);
    if (events.some((event, i) => event.id !== i + 1)) gaps.push(id);
  }
  console.log(`kill -9 × 3 rounds: ${ids.length} runs, ${kills} kills, ${notSucceeded.length} not succeeded, ${missingTerminal.length} missing a terminal event, ${gaps.length} with sequence gaps`);
  expect(missingTerminal.slice(0, 5)).toEqual([]);
  expect(notSucceeded).toEqual([]);
  expect(gaps).toEqual([]);
  await sidecar.stop();
}, 120_000);
