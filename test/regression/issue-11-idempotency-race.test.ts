/**
 * Issue #11, item 2: two concurrent requests with one Idempotency-Key and
 * different bodies used to both answer 202 with the same run on
 * `POST /v1/runs` (its in-flight join skipped the body check). One ledger
 * now serves both routes: exactly one success and one 422 per pair, and the
 * same body still joins the first call.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

const COUNTING = join(REPO_ROOT, 'test/fixtures/agents/counting.ts');
let sidecar: RunningSidecar;
beforeAll(async () => {
  sidecar = await startSidecar({ agent: COUNTING, dataDir: mkdtempSync(join(tmpdir(), 'squire-race-')), args: ['--slots', '8'] });
});
afterAll(stopAllSidecars);

const keyed = (path: string, key: string, input: unknown) =>
  http(sidecar.url, path, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ input }) });

describe.each([
  { path: '/v1/invoke', ok: 200 },
  { path: '/v1/runs', ok: 202 },
])('$path', ({ path, ok }) => {
  it('answers one of two concurrent calls with one key and different bodies 422, twenty times over', async () => {
    const pairs = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const key = `race-${path}-${i}`;
        const answers = await Promise.all([keyed(path, key, { ms: 50, tag: 'a' }), keyed(path, key, { ms: 50, tag: 'b' })]);
        return answers.map((answer) => answer.status).sort();
      }),
    );
    const counts = { ok: pairs.filter((pair) => pair[0] === ok && pair[1] === 422).length, other: pairs.filter((pair) => !(pair[0] === ok && pair[1] === 422)) };
    console.log(`${path}: ${counts.ok}/20 pairs answered ${ok} + 422; others: ${JSON.stringify(counts.other)}`);
    expect(counts.other).toEqual([]);
  });

  it('joins concurrent calls with one key and the same body: one run', async () => {
    const answers = await Promise.all(Array.from({ length: 4 }, () => keyed(path, `same-${path}`, { ms: 50, tag: 'same' })));
    expect(answers.map((answer) => answer.status)).toEqual([ok, ok, ok, ok]);
    expect(new Set(answers.map((answer) => answer.json.run_id)).size).toBe(1);
    expect(answers.filter((answer) => answer.headers['idempotent-replayed'] === 'true')).toHaveLength(3);
  });
});
