import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionStore } from './session-store.js';

const stores: SessionStore[] = [];
afterEach(() => stores.splice(0).forEach((store) => store.close()));

function store(options: Partial<ConstructorParameters<typeof SessionStore>[0]> = {}) {
  const created = new SessionStore({ dataDir: mkdtempSync(join(tmpdir(), 'squire-sessions-')), maxMessages: 50, maxTokens: 8000, ttlMs: 60_000, log: pino({ level: 'silent' }), ...options });
  stores.push(created);
  return created;
}
const never = new AbortController().signal;

describe('SessionStore', () => {
  it('trims the loaded window to about maxTokens, keeping the newest turns', async () => {
    const sessions = store({ maxTokens: 10 });
    const held = await sessions.open('s', never);
    await held.append({ role: 'user', content: 'a'.repeat(40) }, { role: 'assistant', content: 'b'.repeat(20) }, { role: 'user', content: 'c'.repeat(16) });
    expect((await held.messages()).map((message) => message.content[0])).toEqual(['b', 'c']);
    held.release();
  });

  it('forgets sessions idle past the TTL', async () => {
    let now = 1_000_000;
    const sessions = store({ ttlMs: 1000, now: () => now });
    const held = await sessions.open('old', never);
    await held.append({ role: 'user', content: 'hi' });
    held.release();
    now += 5000;
    expect(sessions.cleanup()).toBe(1);
    expect(sessions.get('old')).toBeUndefined();
  });

  it('makes a second opener wait for the first release, and lets an aborted waiter leave the line', async () => {
    const sessions = store();
    const first = await sessions.open('s', never);
    const controller = new AbortController();
    const aborted = sessions.open('s', controller.signal);
    const third = sessions.open('s', never);
    controller.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    let thirdHeld = false;
    void third.then(() => (thirdHeld = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(thirdHeld).toBe(false);
    first.release();
    (await third).release();
  });
});
