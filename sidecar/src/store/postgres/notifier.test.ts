import { setImmediate as nextTick, setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { EVENTS_CHANNEL, NOTIFY_SPACING_MS, Notifier, QUEUE_CHANNEL } from './notifier.js';

/** A database whose NOTIFY statements answer only when the test says so. */
function heldDatabase() {
  const sent: { channels: string[]; payloads: string[]; answer: () => void }[] = [];
  const db = {
    query: (_action: string, _sql: string, params: unknown[]) =>
      new Promise((resolve) => sent.push({ channels: params[0] as string[], payloads: params[1] as string[], answer: () => resolve({ rows: [] }) })),
  } as unknown as Database;
  return { db, sent };
}

describe('Notifier', () => {
  it('sends one NOTIFY statement at a time, spaced: what is published while one is under way goes out together after it', async () => {
    const { db, sent } = heldDatabase();
    const notifier = new Notifier('postgres://unused', 'me', db);
    notifier.eventsCommitted('run_a');
    await nextTick();
    expect(sent).toHaveLength(1);
    notifier.eventsCommitted('run_b');
    await nextTick();
    notifier.queueChanged();
    notifier.eventsCommitted('run_c');
    await nextTick();
    expect(sent).toHaveLength(1);
    sent[0]!.answer();
    await sleep(NOTIFY_SPACING_MS + 5);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.channels).toEqual([EVENTS_CHANNEL, QUEUE_CHANNEL]);
    expect(sent[1]!.payloads).toEqual(['me run_b,run_c', 'me ']);
    sent[1]!.answer();
    await sleep(NOTIFY_SPACING_MS + 5);
    expect(sent).toHaveLength(2);
    await notifier.close();
  });

  it('starts two NOTIFY statements at least NOTIFY_SPACING_MS apart', async () => {
    const { db, sent } = heldDatabase();
    const starts: number[] = [];
    const query = db.query.bind(db);
    db.query = ((...args: Parameters<Database['query']>) => {
      starts.push(performance.now());
      return query(...args);
    }) as Database['query'];
    const notifier = new Notifier('postgres://unused', 'me', db);
    notifier.eventsCommitted('run_a');
    await nextTick();
    sent[0]!.answer();
    await nextTick();
    notifier.eventsCommitted('run_b');
    await sleep(NOTIFY_SPACING_MS * 3);
    expect(sent.map((statement) => statement.payloads)).toEqual([['me run_a'], ['me run_b']]);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(NOTIFY_SPACING_MS - 1);
    sent[1]!.answer();
    await notifier.close();
  });

  it('wakes this process’s own watchers at once, without waiting for the NOTIFY under way', async () => {
    const { db, sent } = heldDatabase();
    const notifier = new Notifier('postgres://unused', 'me', db);
    const woken: string[] = [];
    notifier.local.watchEvents('run_a', () => woken.push('run_a'));
    notifier.local.watchQueue(() => woken.push('queue'));
    notifier.eventsCommitted('run_a');
    await nextTick();
    notifier.queueChanged();
    expect(woken).toEqual(['run_a', 'queue']);
    sent[0]!.answer();
    await notifier.close();
  });
});
