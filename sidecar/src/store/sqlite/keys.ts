/**
 * @module
 * Idempotency keys in SQLite (`idempotency`). This process is the data
 * directory's only owner, so a claim still running is kept in memory: it
 * needs no disk write, and it dies with the process, as a claim whose holder
 * died must. Answers are written through the group commit without an fsync
 * of their own: they survive a process crash; an OS crash could lose the
 * last few, which then run again on retry, as if the answer had been lost.
 */
import type Database from 'better-sqlite3';
import type { IdempotencyKeyStore, KeyClaim, KeyTicket, StoredAnswer } from '../store.js';
import type { GroupCommit } from './group-commit.js';
import { direct } from './sqlite-errors.js';

export class SqliteKeys implements IdempotencyKeyStore {
  /** Claims without an answer yet, by scope and key: the body hash each came with. */
  private readonly running = new Map<string, string>();
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly writer: GroupCommit,
  ) {
    this.statements = {
      get: db.prepare<[string, string, number], { body_hash: string; run_id: string | null; status: number | null; response: string | null }>(
        'SELECT body_hash, run_id, status, response FROM idempotency WHERE scope = ? AND key = ? AND expires_at > ?',
      ),
      put: db.prepare<[string, string, string, string | null, number, string | null, number]>(
        'INSERT OR REPLACE INTO idempotency (scope, key, body_hash, run_id, status, response, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      expire: db.prepare<[number]>('DELETE FROM idempotency WHERE expires_at <= ?'),
    };
  }

  claim(ticket: KeyTicket, now: number, _heldUntil: number): Promise<KeyClaim> {
    const id = keyId(ticket);
    const runningHash = this.running.get(id);
    if (runningHash !== undefined) return Promise.resolve({ state: 'held', bodyHash: runningHash, answer: undefined });
    return direct('read an idempotency key', (): KeyClaim => {
      const row = this.statements.get.get(ticket.scope, ticket.key, now);
      if (row) {
        const answer = row.status === null ? undefined : { status: row.status, body: row.response ?? undefined, runId: row.run_id ?? undefined };
        return { state: 'held', bodyHash: row.body_hash, answer };
      }
      this.running.set(id, ticket.bodyHash);
      return { state: 'claimed' };
    });
  }

  async complete(ticket: KeyTicket, answer: StoredAnswer): Promise<void> {
    try {
      await this.writer.run(
        'store an idempotent answer',
        () => this.statements.put.run(ticket.scope, ticket.key, ticket.bodyHash, answer.runId ?? null, answer.status, answer.body ?? null, ticket.expiresAt),
        { durable: false },
      );
    } finally {
      this.running.delete(keyId(ticket));
    }
  }

  release(ticket: KeyTicket): Promise<void> {
    this.running.delete(keyId(ticket));
    return Promise.resolve();
  }

  expire(now: number): Promise<number> {
    return this.writer.run('delete expired idempotency keys', () => this.statements.expire.run(now).changes, { durable: false });
  }
}

function keyId(ticket: KeyTicket): string {
  return `${ticket.scope}\u0000${ticket.key}`;
}
