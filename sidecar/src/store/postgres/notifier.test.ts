import { setImmediate as nextTick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { EVENTS_CHANNEL, Notifier, QUEUE_CHANNEL } from './notifier.js';

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
  it('sends one NOTIFY statement at a time: what is published while one is under way goes out together right after it', async () => {
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
    await nextTick();
    expect(sent).toHaveLength(2);
    expect(sent[1]!.channels).toEqual([EVENTS_CHANNEL, QUEUE_CHANNEL]);
    expect(sent[1]!.payloads).toEqual(['me run_b,run_c', 'me ']);
    sent[1]!.answer();
    await nextTick();
    expect(sent).toHaveLength(2);
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
