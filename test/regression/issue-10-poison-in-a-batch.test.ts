/**
 * Issue #10, item 1: submissions that arrive in one tick share one group
 * commit. A body nested thousands of levels deep (accepted by an agent whose
 * schema takes any JSON) used to make the store's flush throw, rolling back
 * the whole batch: valid submissions answered 500 and another run lost
 * progress events. Now each submission is serialised and checked before it
 * joins a batch, so the poisonous one alone is refused.
 */
import { afterAll, expect, it } from 'vitest';
import { Pool } from 'undici';
import { REPO_ROOT, startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';
import { storedRunEvents } from '../helpers/run-events.js';
import { join } from 'node:path';

const ANY_JSON = join(REPO_ROOT, 'test/fixtures/agents/any-json.ts');
afterAll(stopAllSidecars);

const deep = (levels: number) => `{"input":{"nested":${'['.repeat(levels)}${']'.repeat(levels)}}}`;

it('refuses only the poisonous submission of a batch; valid ones and another run events are all stored', async () => {
  const sidecar = await startSidecar({ agent: ANY_JSON, args: ['--slots', '2', '--runs-max-queued', '100000'] });
  const pool = new Pool(sidecar.url, { connections: 48 });
  const post = async (body: string) => {
    const response = await pool.request({ path: '/v1/runs', method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await response.body.text();
    return { status: response.statusCode, json: JSON.parse(text) as Record<string, unknown> };
  };
  // A run that emits 60 progress events while the batches below commit.
  const emitter = await post(JSON.stringify({ input: { emit: 60, every_ms: 15 } }));
  expect(emitter.status).toBe(202);
  const emitterId = emitter.json.run_id as string;

  const valid: number[] = [];
  const poison: Array<{ status: number; code: unknown }> = [];
  for (let round = 0; round < 30; round += 1) {
    // Ten valid submissions and one poisonous one, sent together so they share a tick.
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => post(JSON.stringify({ input: { round, i } })).then((answer) => valid.push(answer.status))),
      post(deep(5000)).then((answer) => poison.push({ status: answer.status, code: answer.json.code })),
    ]);
    expect(answers).toHaveLength(11);
  }
  await expect.poll(async () => (await http(sidecar.url, `/v1/runs/${emitterId}`)).json.status, { timeout: 30_000, interval: 100 }).toBe('succeeded');
  const events = await storedRunEvents(sidecar.url, emitterId);
  const progress = events.filter((event) => event.event === 'run.progress').length;
  const rejectedValid = valid.filter((status) => status !== 202).length;
  console.log(`poison in a batch: ${valid.length - rejectedValid}/${valid.length} valid submissions acknowledged (${rejectedValid} rejected), ${poison.length} poisonous ones answered ${[...new Set(poison.map((p) => `${p.status} ${String(p.code)}`))].join(', ')}; the concurrent run stored ${progress}/60 progress events (${60 - progress} lost)`);
  expect(rejectedValid).toBe(0);
  expect(poison.every((answer) => answer.status === 400 && answer.code === 'body_too_deep')).toBe(true);
  expect(progress).toBe(60);
  expect(events.map((event) => event.id)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
  expect(events.at(-1)!.event).toBe('run.completed');
  await pool.close();
  await sidecar.stop();
});
