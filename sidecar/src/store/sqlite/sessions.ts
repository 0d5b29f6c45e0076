/**
 * @module
 * Session memory in SQLite (`<data-dir>/sessions.db`, WAL, `synchronous =
 * NORMAL`: a turn survives a process crash; an OS crash may lose the last
 * one). Holds are turns inside this process, the directory's only owner.
 */
import type Database from 'better-sqlite3';
import type { Session, SessionMessage } from '@squire/client/contract';
import { KeyedTurns } from '../keyed-turns.js';
import type { SessionHold, SessionStore, StoredMessage } from '../store.js';
import { direct } from './sqlite-errors.js';

type MessageRow = { role: SessionMessage['role']; content: string; tokens: number; created_at: number };

export class SqliteSessions implements SessionStore {
  private readonly turns = new KeyedTurns();
  private readonly statements;
  private readonly appendTransaction;

  constructor(db: Database.Database) {
    this.statements = {
      recent: db.prepare<[string, number], MessageRow>('SELECT role, content, tokens, created_at FROM session_messages WHERE session_id = ? ORDER BY seq DESC LIMIT ?'),
      all: db.prepare<[string], MessageRow>('SELECT role, content, tokens, created_at FROM session_messages WHERE session_id = ? ORDER BY seq'),
      session: db.prepare<[string], { updated_at: number }>('SELECT updated_at FROM sessions WHERE id = ?'),
      touch: db.prepare<[string, number]>('INSERT INTO sessions (id, updated_at) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at'),
      nextSeq: db.prepare<[string], { next: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM session_messages WHERE session_id = ?'),
      insert: db.prepare<[string, number, string, string, number, number]>('INSERT INTO session_messages (session_id, seq, role, content, tokens, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      truncate: db.prepare<[string, number]>('DELETE FROM session_messages WHERE session_id = ? AND seq > ?'),
      delete: db.prepare<[string]>('DELETE FROM sessions WHERE id = ?'),
      expire: db.prepare<[number]>('DELETE FROM sessions WHERE updated_at < ?'),
    };
    this.appendTransaction = db.transaction((sessionId: string, messages: readonly StoredMessage[], now: number) => {
      this.statements.touch.run(sessionId, now);
      let seq = this.statements.nextSeq.get(sessionId)!.next;
      for (const message of messages) {
        this.statements.insert.run(sessionId, seq, message.role, message.content, message.tokens, now);
        seq += 1;
      }
    });
  }

  async hold(sessionId: string, signal: AbortSignal): Promise<SessionHold> {
    const release = await this.turns.take(sessionId, signal);
    return { release: async () => release() };
  }

  recent(sessionId: string, limit: number): Promise<StoredMessage[]> {
    return direct('read session memory', () => this.statements.recent.all(sessionId, limit).reverse().map(toMessage));
  }

  append(sessionId: string, messages: readonly StoredMessage[], now: number): Promise<void> {
    return direct('append to session memory', () => this.appendTransaction(sessionId, messages, now));
  }

  lastSeq(sessionId: string): Promise<number> {
    return direct('read session memory', () => this.statements.nextSeq.get(sessionId)!.next - 1);
  }

  truncate(sessionId: string, afterSeq: number): Promise<number> {
    return direct('roll back session memory', () => this.statements.truncate.run(sessionId, afterSeq).changes);
  }

  get(sessionId: string): Promise<Session | undefined> {
    return direct('read a session', () => {
      const session = this.statements.session.get(sessionId);
      if (!session) return undefined;
      return {
        session_id: sessionId,
        messages: this.statements.all.all(sessionId).map(({ role, content, created_at }) => ({ role, content, created_at: new Date(created_at).toISOString() })),
        updated_at: new Date(session.updated_at).toISOString(),
      };
    });
  }

  delete(sessionId: string): Promise<boolean> {
    return direct('delete a session', () => this.statements.delete.run(sessionId).changes > 0);
  }

  expire(idleBefore: number): Promise<number> {
    return direct('forget idle sessions', () => this.statements.expire.run(idleBefore).changes);
  }
}

function toMessage(row: MessageRow): StoredMessage {
  return { role: row.role, content: row.content, tokens: row.tokens, created_at: new Date(row.created_at).toISOString() };
}
