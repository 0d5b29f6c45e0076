/**
 * PostgreSQL stopped under two working replicas, then started again: while
 * it is down, `/readyz` and every store-backed request answer 503
 * `store_unavailable` (retryable) and nothing is acknowledged; once it is
 * back, the same processes — never restarted — become ready and finish
 * every run they had acknowledged.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres.js';

const COUNTING = join(REPO_ROOT, 'test/fixtures/agents/counting.ts');

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await stopAllSidecars();
  await server?.destroy();
});

const submit = (sidecar: RunningSidecar, tag: string) =>
  http(sidecar.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { ms: 100, tag } }) });

describe('PostgreSQL outage', () => {
  it('answers 503 store_unavailable while the database is down, loses no acknowledged run, and recovers without a restart', async () => {
    const store = await server.createDatabase();
    const env = { SQUIRE_STORE_URL: store };
    const args = ['--slots', '4', '--lease-ms', '2000'];
    const replicas = await Promise.all([startSidecar({ agent: COUNTING, env, args }), startSidecar({ agent: COUNTING, env, args })]);
    const acknowledged: string[] = [];
    for (let i = 0; i < 120; i += 1) {
      const answer = await submit(replicas[i % 2]!, `before-${i}`);
      expect(answer.status).toBe(202);
      acknowledged.push(answer.json.run_id as string);
    }
    await expect.poll(async () => (await http(replicas[0]!.url, `/v1/runs/${acknowledged[10]}`)).json.status, { timeout: 10_000, interval: 20 }).toBe('succeeded');

    await server.stop();
    for (const replica of replicas) {
      const ready = await http(replica.url, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ code: 'store_unavailable', retryable: true });
      const refused = await submit(replica, 'during');
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ code: 'store_unavailable', retryable: true });
      expect(refused.headers['retry-after']).toBeDefined();
      const read = await http(replica.url, `/v1/runs/${acknowledged[0]}`);
      expect(read.status).toBe(503);
      expect(read.json.code).toBe('store_unavailable');
      expect((await http(replica.url, '/healthz')).status).toBe(200);
    }
    // Longer than a lease: every claim held during the outage has lapsed by the time it ends.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await server.start();

    for (const replica of replicas) await expect.poll(async () => (await http(replica.url, '/readyz')).status, { timeout: 15_000, interval: 100 }).toBe(200);
    for (let i = 0; i < 20; i += 1) {
      const answer = await submit(replicas[i % 2]!, `after-${i}`);
      expect(answer.status).toBe(202);
      acknowledged.push(answer.json.run_id as string);
    }
    const finished = async () => {
      let succeeded = 0;
      for (const id of acknowledged) if ((await http(replicas[0]!.url, `/v1/runs/${id}`)).json.status === 'succeeded') succeeded += 1;
      return succeeded;
    };
    await expect.poll(finished, { timeout: 60_000, interval: 500 }).toBe(acknowledged.length);
    for (const replica of replicas) expect(replica.process.exitCode).toBeNull();
    console.log(`outage: ${acknowledged.length} runs acknowledged (120 before, 20 after), all succeeded; 0 lost; the same ${replicas.length} processes throughout`);
    await Promise.all(replicas.map((replica) => replica.stop()));
  }, 120_000);
});
