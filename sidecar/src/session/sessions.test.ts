import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.js';
import { Sessions, window } from './sessions.js';

const opened: Array<{ store: SqliteStore; sessions: Sessions }> = [];
afterEach(async () => {
  for (const { store, sessions } of opened.splice(0)) {
    sessions.close();
    await store.close();
  }
});

function sessions(options: Partial<ConstructorParameters<typeof Sessions>[1]> = {}): Sessions {
  const store = openSqliteStore({ dataDir: mkdtempSync(join(tmpdir(), 'squire-sessions-')), agent: { name: 'test', version: '1.0.0' } });
  const created = new Sessions(store.sessions, { maxMessages: 50, maxTokens: 8000, ttlMs: 60_000, log: pino({ level: 'silent' }), ...options });
  opened.push({ store, sessions: created });
  return created;
}
const never = new AbortController().signal;

describe('window', () => {
  it('keeps the newest messages within about maxTokens, at least one, oldest first', () => {
    const recent = [
      { role: 'user' as const, content: 'a', tokens: 10 },
      { role: 'assistant' as const, content: 'b', tokens: 5 },
      { role: 'user' as const, content: 'c', tokens: 4 },
    ];
    expect(window(recent, 10).map((message) => message.content)).toEqual(['b', 'c']);
    expect(window(recent, 100).map((message) => message.content)).toEqual(['a', 'b', 'c']);
    expect(window(recent, 1).map((message) => message.content)).toEqual(['c']);
    expect(window([], 10)).toEqual([]);
  });
});

describe('Sessions', () => {
  it('loads the window of what was appended, the last maxMessages trimmed to about maxTokens', async () => {
    const memory = sessions({ maxMessages: 2, maxTokens: 10 });
    const held = await memory.open('s', { signal: never });
    await held.append({ role: 'user', content: 'a'.repeat(40) }, { role: 'assistant', content: 'b'.repeat(20) }, { role: 'user', content: 'c'.repeat(16) });
    expect((await held.messages()).map((message) => message.content[0])).toEqual(['b', 'c']);
    held.release();
    expect((await memory.get('s'))?.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('forgets sessions idle past the TTL', async () => {
    let now = 1_000_000;
    const memory = sessions({ ttlMs: 1000, now: () => now });
    const held = await memory.open('old', { signal: never });
    await held.append({ role: 'user', content: 'hi' });
    held.release();
    now += 5000;
    expect(await memory.cleanup()).toBe(1);
    expect(await memory.get('old')).toBeUndefined();
    expect(await memory.delete('old')).toBe(false);
  });

  it('makes a second opener of one session wait for the first release', async () => {
    const memory = sessions();
    const first = await memory.open('s', { signal: never });
    let secondHeld = false;
    const second = memory.open('s', { signal: never }).then((held) => ((secondHeld = true), held));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(secondHeld).toBe(false);
    first.release();
    first.release();
    (await second).release();
    expect(secondHeld).toBe(true);
  });

  it('rollback: a run interrupted by a newer one under rollback leaves no message behind; under interrupt it adds no more', async () => {
    const memory = sessions();
    const before = await memory.open('s', { signal: never });
    await before.append({ role: 'user', content: 'kept' }, { role: 'assistant', content: 'kept too' });
    before.release();

    let interrupted = 0;
    const first = await memory.open('s', { signal: never, interrupt: () => (interrupted += 1) });
    await first.append({ role: 'user', content: 'half a turn' });
    const newer = memory.open('s', { signal: never, onBusy: 'rollback' });
    expect(interrupted).toBe(1);
    await expect(first.append({ role: 'assistant', content: 'too late' })).rejects.toMatchObject({ code: 'cancelled' });
    first.release();
    const held = await newer;
    expect((await held.messages()).map((message) => message.content)).toEqual(['kept', 'kept too']);
    await held.append({ role: 'user', content: 'next' });

    const third = memory.open('s', { signal: never, onBusy: 'interrupt' });
    held.release();
    (await third).release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await memory.get('s'))?.messages.map((message) => message.content)).toEqual(['kept', 'kept too', 'next']);
  });
});
