import { describe, expect, it } from 'vitest';
import type { IdempotencyKeyStore, KeyClaim, KeyTicket, StoredAnswer } from '../store/store.js';
import { IdempotencyLedger, bodyHash, canonicalJson, decideClaim, type KeyedAnswer } from './ledger.js';

/** A key store in memory, as one owner sees it; `foreign` keys behave as claimed by another replica. */
class MemoryKeys implements IdempotencyKeyStore {
  readonly answers = new Map<string, { bodyHash: string; answer: StoredAnswer | undefined }>();
  readonly foreign = new Map<string, { bodyHash: string; claimsLeft: number }>();
  released = 0;

  async claim(ticket: KeyTicket): Promise<KeyClaim> {
    const id = `${ticket.scope}/${ticket.key}`;
    const other = this.foreign.get(id);
    if (other && other.claimsLeft-- > 0) return { state: 'held', bodyHash: other.bodyHash, answer: undefined };
    const held = this.answers.get(id);
    if (held) return { state: 'held', ...held };
    this.answers.set(id, { bodyHash: ticket.bodyHash, answer: undefined });
    return { state: 'claimed' };
  }
  async complete(ticket: KeyTicket, answer: StoredAnswer): Promise<void> {
    this.answers.set(`${ticket.scope}/${ticket.key}`, { bodyHash: ticket.bodyHash, answer });
  }
  async release(ticket: KeyTicket): Promise<void> {
    const id = `${ticket.scope}/${ticket.key}`;
    if (this.answers.get(id)?.answer === undefined) this.answers.delete(id);
    this.released += 1;
  }
  async expire(): Promise<number> {
    return 0;
  }
}

const ok = (body: string): KeyedAnswer => ({ status: 200, body, contentType: 'application/json', keep: true });
const later = () => Date.now() + 5000;

describe('decideClaim', () => {
  it('maps the store answer and the body hash to the call fate', () => {
    expect(decideClaim({ state: 'claimed' }, 'h')).toBe('fresh');
    expect(decideClaim({ state: 'held', bodyHash: 'other', answer: undefined }, 'h')).toBe('conflict');
    expect(decideClaim({ state: 'held', bodyHash: 'other', answer: { status: 200, body: '{}', runId: undefined } }, 'h')).toBe('conflict');
    expect(decideClaim({ state: 'held', bodyHash: 'h', answer: { status: 200, body: '{}', runId: undefined } }, 'h')).toBe('stored');
    expect(decideClaim({ state: 'held', bodyHash: 'h', answer: undefined }, 'h')).toBe('wait');
  });
});

describe('bodyHash', () => {
  it('is the same for the same JSON value however it was written, and differs otherwise', () => {
    expect(canonicalJson({ b: [1, { y: 2, x: null }], a: 'é' })).toBe('{"a":"é","b":[1,{"x":null,"y":2}]}');
    expect(bodyHash(JSON.parse('{"input": {"a": 1, "b": 2}}'))).toBe(bodyHash(JSON.parse('{"input":{"b":2,"a":1}}')));
    expect(bodyHash({ input: { a: 1 } })).not.toBe(bodyHash({ input: { a: 2 } }));
    expect(bodyHash({ input: [1, 2] })).not.toBe(bodyHash({ input: [2, 1] }));
  });
});

describe('IdempotencyLedger', () => {
  it('runs concurrent calls with one key and body once; the others join it', async () => {
    const ledger = new IdempotencyLedger(new MemoryKeys(), { ttlMs: 60_000 });
    let executions = 0;
    const execute = async () => {
      executions += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return ok('"first"');
    };
    const results = await Promise.all([1, 2, 3].map(() => ledger.once('invoke', 'k', 'h', later(), execute)));
    expect(executions).toBe(1);
    expect(results.map((result) => result.answer.body)).toEqual(['"first"', '"first"', '"first"']);
    expect(results.map((result) => result.replayed)).toEqual([false, true, true]);
  });

  it('refuses another body with the same key while the first runs and after it ended', async () => {
    const ledger = new IdempotencyLedger(new MemoryKeys(), { ttlMs: 60_000 });
    const first = ledger.once('runs', 'k', 'one', later(), async () => ok('1'));
    await expect(ledger.once('runs', 'k', 'two', later(), async () => ok('2'))).rejects.toMatchObject({ code: 'idempotency_key_reused', status: 422 });
    await first;
    await expect(ledger.once('runs', 'k', 'two', later(), async () => ok('2'))).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    expect((await ledger.once('runs', 'k', 'one', later(), async () => ok('again'))).answer.body).toBe('1');
  });

  it('keeps keys of different scopes apart', async () => {
    const ledger = new IdempotencyLedger(new MemoryKeys(), { ttlMs: 60_000 });
    await ledger.once('invoke', 'k', 'one', later(), async () => ok('invoke'));
    expect((await ledger.once('runs', 'k', 'two', later(), async () => ok('runs'))).answer.body).toBe('runs');
  });

  it('releases the key after an answer not to keep, and after a throw, so the next call runs', async () => {
    const keys = new MemoryKeys();
    const ledger = new IdempotencyLedger(keys, { ttlMs: 60_000 });
    await ledger.once('invoke', 'k', 'h', later(), async () => ({ ...ok('busy'), status: 503, keep: false }));
    await expect(ledger.once('invoke', 'k', 'h', later(), async () => Promise.reject(new Error('broken')))).rejects.toThrow('broken');
    const third = await ledger.once('invoke', 'k', 'h', later(), async () => ok('third'));
    expect(third).toMatchObject({ replayed: false, answer: { body: 'third' } });
    expect(keys.released).toBe(2);
  });

  it('waits while another replica holds the key, then runs it once that one gave up', async () => {
    const keys = new MemoryKeys();
    keys.foreign.set('invoke/k', { bodyHash: 'h', claimsLeft: 3 });
    const ledger = new IdempotencyLedger(keys, { ttlMs: 60_000, pollMs: 1 });
    const result = await ledger.once('invoke', 'k', 'h', later(), async () => ok('mine'));
    expect(result).toMatchObject({ replayed: false, answer: { body: 'mine' } });
    expect(keys.foreign.get('invoke/k')!.claimsLeft).toBe(-1);
  });

  it('answers deadline_exceeded when another replica still holds the key at the deadline, and conflict at once for another body', async () => {
    const keys = new MemoryKeys();
    keys.foreign.set('invoke/k', { bodyHash: 'h', claimsLeft: 1000 });
    const ledger = new IdempotencyLedger(keys, { ttlMs: 60_000, pollMs: 1, maxPollMs: 2 });
    await expect(ledger.once('invoke', 'k', 'h', Date.now() + 30, async () => ok('never'))).rejects.toMatchObject({ code: 'deadline_exceeded', retryable: true });
    await expect(ledger.once('invoke', 'k', 'other', later(), async () => ok('never'))).rejects.toMatchObject({ code: 'idempotency_key_reused' });
  });
});

describe('IdempotencyLedger.onceStoredByOperation', () => {
  it('neither claims nor releases the key (the operation stores it), joins a call of this process with the same key and refuses another body', async () => {
    const keys = new MemoryKeys();
    let claims = 0;
    const claim = keys.claim.bind(keys);
    keys.claim = (ticket) => {
      claims += 1;
      return claim(ticket);
    };
    const ledger = new IdempotencyLedger(keys, { ttlMs: 60_000 });
    let executions = 0;
    let finish!: () => void;
    const stored = new Promise<void>((resolve) => (finish = resolve));
    const tickets: KeyTicket[] = [];
    const execute = async (ticket: KeyTicket): Promise<KeyedAnswer> => {
      executions += 1;
      tickets.push(ticket);
      await stored;
      return { ...ok(''), status: 202, runId: 'run_1', storedByOperation: true };
    };
    const first = ledger.onceStoredByOperation('runs', 'k', 'h', execute);
    const joined = ledger.onceStoredByOperation('runs', 'k', 'h', execute);
    await expect(ledger.onceStoredByOperation('runs', 'k', 'other', execute)).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    finish();
    expect(await first).toEqual({ answer: expect.objectContaining({ runId: 'run_1' }), replayed: false });
    expect(await joined).toEqual({ answer: expect.objectContaining({ runId: 'run_1' }), replayed: true });
    expect(executions).toBe(1);
    expect(tickets[0]).toMatchObject({ scope: 'runs', key: 'k', bodyHash: 'h' });
    expect(claims).toBe(0);
    expect(keys.released).toBe(0);
  });

  it('reports a key the operation found taken as replayed, and lets the next call run once it failed', async () => {
    const ledger = new IdempotencyLedger(new MemoryKeys(), { ttlMs: 60_000 });
    const replay = await ledger.onceStoredByOperation('runs', 'k', 'h', async () => ({ ...ok(''), status: 202, runId: 'run_other', storedByOperation: true, replayed: true }));
    expect(replay).toEqual({ answer: expect.objectContaining({ runId: 'run_other' }), replayed: true });
    await expect(ledger.onceStoredByOperation('runs', 'k2', 'h', () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    const retried = await ledger.onceStoredByOperation('runs', 'k2', 'h', async () => ({ ...ok(''), status: 202, runId: 'run_2', storedByOperation: true }));
    expect(retried.answer.runId).toBe('run_2');
  });
});
