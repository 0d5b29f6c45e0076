import { setImmediate as nextTick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isSidecarError } from '../../errors.js';
import { StoreUnavailableError } from '../errors.js';
import { newRun } from '../contract/fixtures.contract.js';
import type { Database } from './database.js';
import { SubmitBatch } from './submit-batch.js';

/** A database whose INSERTs answer only when the test says so; it records the ids of each. */
function heldDatabase() {
  const statements: { ids: string[]; answer: () => void; fail: (error: unknown) => void }[] = [];
  const db = {
    query: (_action: string, _sql: string, params: unknown[]) =>
      new Promise((resolve, reject) => {
        const ids = params[0] as string[];
        statements.push({ ids, answer: () => resolve({ rows: ids.map((id) => ({ id })) }), fail: reject });
      }),
  } as unknown as Database;
  return { db, statements };
}

describe('SubmitBatch', () => {
  it('sends the submissions of one tick as one statement', async () => {
    const { db, statements } = heldDatabase();
    const batch = new SubmitBatch(db);
    const runs = [newRun(), newRun(), newRun()];
    const acknowledged = Promise.all(runs.map((run) => batch.submit(run)));
    await nextTick();
    expect(statements.map((statement) => statement.ids)).toEqual([runs.map((run) => run.id)]);
    statements[0]!.answer();
    await acknowledged;
  });

  it('keeps at most two batches committing; what arrives meanwhile goes in one batch after them', async () => {
    const { db, statements } = heldDatabase();
    const batch = new SubmitBatch(db);
    const order: string[] = [];
    const submit = (run = newRun()) => batch.submit(run).then(() => order.push(run.id));
    const first = newRun();
    const second = newRun();
    const waiting = [newRun(), newRun(), newRun()];
    const all = [submit(first)];
    await nextTick();
    all.push(submit(second));
    await nextTick();
    // Two ticks later still: both earlier batches are committing, so these three wait.
    for (const run of waiting) {
      all.push(submit(run));
      await nextTick();
    }
    expect(statements.map((statement) => statement.ids)).toEqual([[first.id], [second.id]]);
    statements[0]!.answer();
    await nextTick();
    await nextTick();
    expect(statements.map((statement) => statement.ids)).toEqual([[first.id], [second.id], waiting.map((run) => run.id)]);
    expect(order).toEqual([first.id]);
    statements[1]!.answer();
    statements[2]!.answer();
    await Promise.all(all);
    expect(order).toEqual([first.id, second.id, ...waiting.map((run) => run.id)]);
  });

  it('fails every submission of a batch store_unavailable when the database cannot be reached, and acknowledges none', async () => {
    const { db, statements } = heldDatabase();
    const batch = new SubmitBatch(db);
    const outcomes = Promise.allSettled([newRun(), newRun(), newRun()].map((run) => batch.submit(run)));
    await nextTick();
    statements[0]!.fail(new StoreUnavailableError('cannot connect to the store: connection refused'));
    const settled = await outcomes;
    expect(settled.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const outcome of settled) {
      const reason = (outcome as PromiseRejectedResult).reason as unknown;
      expect(isSidecarError(reason) && reason.code === 'store_unavailable' && reason.status === 503).toBe(true);
    }
    // No retry one by one: nothing else was sent.
    expect(statements).toHaveLength(1);
  });

  it('settles every accepted submission before it resolves, also those waiting behind the batches committing', async () => {
    const { db, statements } = heldDatabase();
    const batch = new SubmitBatch(db);
    const acknowledged: string[] = [];
    const runs = [newRun(), newRun(), newRun()];
    for (const run of runs) {
      void batch.submit(run).then(() => acknowledged.push(run.id));
      await nextTick();
    }
    let done = false;
    const settled = batch.settled().then(() => (done = true));
    const answered = new Set<number>();
    while (!done) {
      statements.forEach((statement, i) => {
        if (!answered.has(i)) statement.answer();
        answered.add(i);
      });
      await nextTick();
    }
    await settled;
    expect(acknowledged.sort()).toEqual(runs.map((run) => run.id).sort());
  });
});
