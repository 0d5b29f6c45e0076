/**
 * Three sidecar processes on one PostgreSQL database, as replicas of one
 * agent behind a load balancer: 1,000 keyed background runs, each key sent
 * to two replicas at once; one replica killed with kill -9 mid-way, another
 * stopped with SIGTERM (a rolling update), a replacement started. Nothing
 * lost, no output recorded twice, and only runs that were running on the
 * killed replica executed again.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';
import { sideEffectsByRun } from '../helpers/side-effects.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres.js';

const COUNTING = join(REPO_ROOT, 'test/fixtures/agents/counting.ts');
const RUNS = 1000;

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await stopAllSidecars();
  await server?.destroy();
});

function replica(store: string, env: Record<string, string>): Promise<RunningSidecar> {
  return startSidecar({ agent: COUNTING, env: { ...env, SQUIRE_STORE_URL: store }, args: ['--slots', '4', '--lease-ms', '4000', '--grace-ms', '20000'] });
}

async function submitKeyed(sidecar: RunningSidecar, key: string, input: unknown): Promise<string> {
  const response = await http(sidecar.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ input }) });
  if (response.status !== 202) throw new Error(`submit ${key}: ${response.status} ${response.text}`);
  return response.json.run_id as string;
}

describe('three replicas on one PostgreSQL', () => {
  it('1,000 keyed runs through kill -9, a rolling restart and a replacement: 0 lost, 0 outputs twice, re-executions only of the killed replica’s runs', async () => {
    const store = await server.createDatabase();
    const log = join(mkdtempSync(join(tmpdir(), 'squire-replicas-')), 'side-effects.log');
    const env = { SQUIRE_TEST_SIDE_EFFECTS: log };
    const replicas = await Promise.all([replica(store, env), replica(store, env), replica(store, env)]);
    const [doomed, rolled, survivor] = replicas as [RunningSidecar, RunningSidecar, RunningSidecar];

    // Each key goes to two replicas at once, as a client retrying through a balancer would.
    const ids: string[] = [];
    for (let batch = 0; batch < RUNS; batch += 50) {
      const pairs = await Promise.all(
        Array.from({ length: Math.min(50, RUNS - batch) }, async (_, i) => {
          const n = batch + i;
          const input = { ms: 40, tag: String(n) };
          const key = `replica-test-${n}`;
          return Promise.all([submitKeyed(replicas[n % 3]!, key, input), submitKeyed(replicas[(n + 1) % 3]!, key, input)]);
        }),
      );
      for (const [a, b] of pairs) {
        expect(a).toBe(b);
        ids.push(a);
      }
    }
    expect(new Set(ids).size).toBe(RUNS);

    // The runs a replica is executing: their owner names its pid.
    const heldBy = async (pid: number) =>
      (await server.admin<{ id: string }>(`SELECT id FROM squire_runs WHERE status = 'running' AND owner LIKE $1`, [`%/${pid}/%`], new URL(store).pathname.slice(1))).rows.map(
        (row) => row.id,
      );
    await expect.poll(() => sideEffectsByRun(log).size, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(RUNS * 0.25);
    // Kill it while it holds runs, or the re-execution promise is never put to the test.
    await expect.poll(async () => (await heldBy(doomed.pid)).length, { timeout: 30_000, interval: 5 }).toBeGreaterThan(0);
    await doomed.kill9();
    const cutOff = new Set(await heldBy(doomed.pid));
    expect(cutOff.size).toBeGreaterThan(0);

    await expect.poll(() => sideEffectsByRun(log).size, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(RUNS * 0.5);
    const [rolledExit, replacement] = await Promise.all([rolled.stop('SIGTERM'), replica(store, env)]);
    expect(rolledExit).toBe(0);

    const statusOf = async () => {
      const counts = new Map<string, number>();
      for (const row of (await server.admin<{ status: string; n: number }>('SELECT status, COUNT(*)::int AS n FROM squire_runs GROUP BY status', [], new URL(store).pathname.slice(1))).rows) {
        counts.set(row.status, row.n);
      }
      return counts;
    };
    await expect.poll(async () => (await statusOf()).get('succeeded') ?? 0, { timeout: 90_000, interval: 250 }).toBe(RUNS);

    const ran = sideEffectsByRun(log);
    const lost = ids.filter((id) => !ran.has(id));
    const twice = [...ran].filter(([, count]) => count > 1).map(([id]) => id);
    const outsideKilled = twice.filter((id) => !cutOff.has(id));
    // Every run has exactly one terminal event, and each output was recorded once.
    const terminals = (
      await server.admin<{ n: number }>(
        "SELECT COUNT(*)::int AS n FROM squire_run_events WHERE type IN ('run.completed', 'run.failed')",
        [],
        new URL(store).pathname.slice(1),
      )
    ).rows[0]!.n;
    // A run started again after its first attempt (the store's count), whether or not its first attempt got as far as its side effect.
    const resumed = (
      await server.admin<{ id: string }>('SELECT id FROM squire_runs WHERE attempt > 1', [], new URL(store).pathname.slice(1))
    ).rows.map((row) => row.id);
    console.log(
      `replicas: ${RUNS} keyed runs (each key sent to two replicas), kill -9 of one with ${cutOff.size} running, SIGTERM of another, one replacement: ` +
        `${lost.length} lost, ${terminals - RUNS} outputs recorded twice, ${resumed.length} started again by another replica, ` +
        `${twice.length} side effects written twice (all of them running on the killed replica: ${outsideKilled.length === 0 && resumed.every((id) => cutOff.has(id))})`,
    );
    if (outsideKilled.length > 0) {
      const lines = readFileSync(log, 'utf8').split('\n').filter((line) => outsideKilled.some((id) => line.startsWith(id)));
      console.log(`re-executed outside the killed replica (pids: killed ${doomed.pid}, stopped ${rolled.pid}):\n${lines.join('\n')}\n${[doomed, rolled, survivor, replacement].map((r) => r.logs().split('\n').filter((l) => outsideKilled.some((id) => l.includes(id)) || l.includes('lost')).join('\n')).join('\n---\n')}`);
    }
    expect(lost).toEqual([]);
    expect(terminals).toBe(RUNS);
    expect(resumed.filter((id) => !cutOff.has(id))).toEqual([]);
    expect(resumed.length).toBe(cutOff.size);
    expect(outsideKilled).toEqual([]);
    for (const id of twice) expect((await http(survivor.url, `/v1/runs/${id}`)).json.attempt).toBeGreaterThan(1);
    await Promise.all([survivor.stop(), replacement.stop()]);
  }, 240_000);
});
