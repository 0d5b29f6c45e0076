/**
 * @module
 * Idempotency keys in PostgreSQL (`squire_idempotency`), shared by every
 * replica. A claim is one upsert that succeeds only when the key is free —
 * never seen, expired, released, or claimed by a holder that gave no answer
 * before `held_until` (it died) — so of two replicas claiming at once,
 * exactly one gets it; the other reads who holds it and with which body.
 */
import type { IdempotencyKeyStore, KeyClaim, KeyTicket, StoredAnswer } from '../store.js';
import type { Database } from './database.js';

export class PostgresKeys implements IdempotencyKeyStore {
  constructor(
    private readonly db: Database,
    private readonly owner: string,
  ) {}

  async claim(ticket: KeyTicket, now: number, heldUntil: number): Promise<KeyClaim> {
    // A row deleted by expiry between the two statements: claim again.
    for (;;) {
      const claimed = await this.db.query(
        'claim an idempotency key',
        `INSERT INTO squire_idempotency (scope, key, body_hash, run_id, status, response, expires_at, holder, held_until) VALUES ($1, $2, $3, NULL, NULL, NULL, $4, $5, $6)
         ON CONFLICT (scope, key) DO UPDATE SET body_hash = EXCLUDED.body_hash, run_id = NULL, status = NULL, response = NULL, expires_at = EXCLUDED.expires_at, holder = EXCLUDED.holder, held_until = EXCLUDED.held_until
         WHERE squire_idempotency.expires_at <= $7 OR (squire_idempotency.status IS NULL AND squire_idempotency.held_until <= $7)
         RETURNING 1`,
        [ticket.scope, ticket.key, ticket.bodyHash, ticket.expiresAt, this.owner, heldUntil, now],
      );
      if (claimed.rowCount === 1) return { state: 'claimed' };
      const { rows } = await this.db.query<{ body_hash: string; run_id: string | null; status: number | null; response: string | null }>(
        'read an idempotency key',
        'SELECT body_hash, run_id, status, response FROM squire_idempotency WHERE scope = $1 AND key = $2',
        [ticket.scope, ticket.key],
      );
      const row = rows[0];
      if (!row) continue;
      const answer = row.status === null ? undefined : { status: row.status, body: row.response ?? undefined, runId: row.run_id ?? undefined };
      return { state: 'held', bodyHash: row.body_hash, answer };
    }
  }

  async complete(ticket: KeyTicket, answer: StoredAnswer): Promise<void> {
    await this.db.query(
      'store an idempotent answer',
      `INSERT INTO squire_idempotency (scope, key, body_hash, run_id, status, response, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (scope, key) DO UPDATE SET body_hash = EXCLUDED.body_hash, run_id = EXCLUDED.run_id, status = EXCLUDED.status, response = EXCLUDED.response, expires_at = EXCLUDED.expires_at, holder = NULL, held_until = NULL`,
      [ticket.scope, ticket.key, ticket.bodyHash, answer.runId ?? null, answer.status, answer.body ?? null, ticket.expiresAt],
    );
  }

  async release(ticket: KeyTicket): Promise<void> {
    // The row stays (it expires as any other); only the claim ends, so the next call may take it.
    await this.db.query(
      'release an idempotency key',
      'UPDATE squire_idempotency SET holder = NULL, held_until = 0 WHERE scope = $1 AND key = $2 AND status IS NULL AND holder = $3',
      [ticket.scope, ticket.key, this.owner],
    );
  }

  async expire(now: number): Promise<number> {
    const { rowCount } = await this.db.query('delete expired idempotency keys', 'DELETE FROM squire_idempotency WHERE expires_at <= $1', [now]);
    return rowCount ?? 0;
  }
}
