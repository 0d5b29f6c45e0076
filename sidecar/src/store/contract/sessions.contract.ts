/**
 * @module
 * Contract of `store.sessions`: messages appended and read back in order,
 * a window of the most recent, deletion and idle expiry, and one holder
 * per session at a time.
 */
import { describe, expect, it } from 'vitest';
import type { ContractContext } from './store.contract.js';

const never = new AbortController().signal;

export function sessionsContract({ fresh }: ContractContext): void {
  describe('sessions', () => {
    it('appends messages in order and reads back the most recent, the whole session, and its age', async () => {
      const { store } = await fresh();
      await store.sessions.append('s', [{ role: 'user', content: 'one', tokens: 1 }, { role: 'assistant', content: 'two', tokens: 2 }], 1_000);
      await store.sessions.append('s', [{ role: 'user', content: 'three', tokens: 3 }], 2_000);
      expect((await store.sessions.recent('s', 2)).map((message) => [message.content, message.tokens])).toEqual([['two', 2], ['three', 3]]);
      expect(await store.sessions.get('s')).toEqual({
        session_id: 's',
        messages: [
          { role: 'user', content: 'one', created_at: new Date(1_000).toISOString() },
          { role: 'assistant', content: 'two', created_at: new Date(1_000).toISOString() },
          { role: 'user', content: 'three', created_at: new Date(2_000).toISOString() },
        ],
        updated_at: new Date(2_000).toISOString(),
      });
      expect(await store.sessions.recent('other', 5)).toEqual([]);
      expect(await store.sessions.get('other')).toBeUndefined();
    });

    it('tells where the last message stands and removes the messages after a position', async () => {
      const { store } = await fresh();
      expect(await store.sessions.lastSeq('s')).toBe(0);
      await store.sessions.append('s', [{ role: 'user', content: 'one', tokens: 1 }, { role: 'assistant', content: 'two', tokens: 1 }], 1_000);
      const mark = await store.sessions.lastSeq('s');
      expect(mark).toBe(2);
      await store.sessions.append('s', [{ role: 'user', content: 'three', tokens: 1 }], 2_000);
      await store.sessions.append('s', [{ role: 'assistant', content: 'four', tokens: 1 }], 3_000);
      expect(await store.sessions.truncate('s', mark)).toBe(2);
      expect(await store.sessions.truncate('s', mark)).toBe(0);
      expect((await store.sessions.recent('s', 10)).map((message) => message.content)).toEqual(['one', 'two']);
      await store.sessions.append('s', [{ role: 'user', content: 'five', tokens: 1 }], 4_000);
      expect((await store.sessions.get('s'))?.messages.map((message) => message.content)).toEqual(['one', 'two', 'five']);
      expect(await store.sessions.truncate('absent', 0)).toBe(0);
    });

    it('deletes a session, and forgets the ones idle since before a time', async () => {
      const { store } = await fresh();
      await store.sessions.append('old', [{ role: 'user', content: 'a', tokens: 1 }], 1_000);
      await store.sessions.append('new', [{ role: 'user', content: 'b', tokens: 1 }], 5_000);
      expect(await store.sessions.expire(2_000)).toBe(1);
      expect(await store.sessions.get('old')).toBeUndefined();
      expect(await store.sessions.delete('new')).toBe(true);
      expect(await store.sessions.delete('new')).toBe(false);
      expect(await store.sessions.recent('new', 5)).toEqual([]);
    });

    it('lets one holder hold a session at a time; an aborted waiter leaves the line', async () => {
      const { store } = await fresh();
      const first = await store.sessions.hold('s', never);
      const controller = new AbortController();
      const aborted = store.sessions.hold('s', controller.signal);
      let thirdHeld = false;
      const third = store.sessions.hold('s', never).then((hold) => ((thirdHeld = true), hold));
      controller.abort(new Error('caller gone'));
      await expect(aborted).rejects.toThrow('caller gone');
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(thirdHeld).toBe(false);
      const other = await store.sessions.hold('other', never);
      await first.release();
      await first.release();
      await (await third).release();
      expect(thirdHeld).toBe(true);
      await other.release();
    });
  });
}
