/**
 * @module
 * Session memory in PostgreSQL, shared by every replica, and the hold that
 * keeps one run per session at a time across them: a session-level advisory
 * lock on a connection of its own, taken after the turn inside this process
 * (so waiters here queue in order and hold no connection while they wait).
 * A replica that dies loses its connection and with it the lock; waiters on
 * other replicas try again when a release is notified, and every
 * `RETRY_MS` in case a notification was missed.
 */
import type pg from 'pg';
import type { Session, SessionMessage } from '@squire/client/contract';
import { KeyedTurns } from '../keyed-turns.js';
import type { SessionHold, SessionStore, StoredMessage } from '../store.js';
import { storeFailure, type Database } from './database.js';
import type { Notifier } from './notifier.js';

const RETRY_MS = 250;

type MessageRow = { role: SessionMessage['role']; content: string; tokens: number; created_at: number };

export class PostgresSessions implements SessionStore {
  private readonly turns = new KeyedTurns();

  constructor(
    private readonly db: Database,
    private readonly notifier: Notifier,
  ) {}

  async hold(sessionId: string, signal: AbortSignal): Promise<SessionHold> {
    const releaseTurn = await this.turns.take(sessionId, signal);
    let client: pg.PoolClient | undefined;
    try {
      client = await this.db.connect('hold a session');
      await this.lockAcrossReplicas(client, sessionId, signal);
    } catch (error) {
      client?.release();
      releaseTurn();
      throw signal.aborted ? signal.reason : storeFailure(error, 'hold a session');
    }
    const held = client;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        try {
          await held.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [sessionId]);
          held.release();
          this.notifier.sessionReleased();
        } catch (error) {
          // A connection that cannot unlock is closed: the server lets go of its locks.
          held.release(error instanceof Error ? error : new Error(String(error)));
        } finally {
          releaseTurn();
        }
      },
    };
  }

  async recent(sessionId: string, limit: number): Promise<StoredMessage[]> {
    const { rows } = await this.db.query<MessageRow>(
      'read session memory',
      'SELECT role, content, tokens, created_at FROM squire_session_messages WHERE session_id = $1 ORDER BY seq DESC LIMIT $2',
      [sessionId, limit],
    );
    return rows.reverse().map((row) => ({ role: row.role, content: row.content, tokens: row.tokens, created_at: new Date(row.created_at).toISOString() }));
  }

  async append(sessionId: string, messages: readonly StoredMessage[], now: number): Promise<void> {
    // One statement: the upsert locks the session's row, so concurrent appends number their messages one after the other.
    await this.db.query(
      'append to session memory',
      `WITH touched AS (
         INSERT INTO squire_sessions (id, updated_at) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET updated_at = EXCLUDED.updated_at RETURNING id),
       base AS (SELECT COALESCE(MAX(seq), 0) AS seq FROM squire_session_messages WHERE session_id = $1)
       INSERT INTO squire_session_messages (session_id, seq, role, content, tokens, created_at)
       SELECT touched.id, base.seq + m.n, m.role, m.content, m.tokens, $2 FROM touched, base, unnest($3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS m(role, content, tokens, n)`,
      [sessionId, now, messages.map((message) => message.role), messages.map((message) => message.content), messages.map((message) => message.tokens)],
    );
  }

  async lastSeq(sessionId: string): Promise<number> {
    const { rows } = await this.db.query<{ seq: number }>('read session memory', 'SELECT COALESCE(MAX(seq), 0)::int AS seq FROM squire_session_messages WHERE session_id = $1', [sessionId]);
    return rows[0]!.seq;
  }

  async truncate(sessionId: string, afterSeq: number): Promise<number> {
    const { rowCount } = await this.db.query('roll back session memory', 'DELETE FROM squire_session_messages WHERE session_id = $1 AND seq > $2', [sessionId, afterSeq]);
    return rowCount ?? 0;
  }

  async get(sessionId: string): Promise<Session | undefined> {
    const session = await this.db.query<{ updated_at: number }>('read a session', 'SELECT updated_at FROM squire_sessions WHERE id = $1', [sessionId]);
    const updatedAt = session.rows[0]?.updated_at;
    if (updatedAt === undefined) return undefined;
    const { rows } = await this.db.query<MessageRow>('read a session', 'SELECT role, content, created_at FROM squire_session_messages WHERE session_id = $1 ORDER BY seq', [sessionId]);
    return {
      session_id: sessionId,
      messages: rows.map(({ role, content, created_at }) => ({ role, content, created_at: new Date(created_at).toISOString() })),
      updated_at: new Date(updatedAt).toISOString(),
    };
  }

  async delete(sessionId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('delete a session', 'DELETE FROM squire_sessions WHERE id = $1', [sessionId]);
    return rowCount === 1;
  }

  async expire(idleBefore: number): Promise<number> {
    const { rowCount } = await this.db.query('forget idle sessions', 'DELETE FROM squire_sessions WHERE updated_at < $1', [idleBefore]);
    return rowCount ?? 0;
  }

  /** Tries the session's advisory lock until it is free (woken by releases anywhere), or `signal` aborts. */
  private async lockAcrossReplicas(client: pg.PoolClient, sessionId: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [sessionId]);
      if (rows[0]!.locked) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          unwatch();
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, RETRY_MS);
        const unwatch = this.notifier.watchSessionReleases(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}
