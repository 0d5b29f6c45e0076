/**
 * @module
 * Conversation memory in SQLite (`<data-dir>/sessions.db`, WAL). A run with a
 * `session_id` holds that session until it ends, so concurrent invokes on one
 * session take turns instead of interleaving their messages. What a run
 * loads is a window: the last `maxMessages` turns, trimmed further to about
 * `maxTokens`. Sessions idle longer than `ttlMs` are forgotten.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Session, SessionMessage } from '@squire/client/contract';
import { approximateTokens } from '../llm/chat-backend.js';
import type { SessionMemory } from './session-memory.js';

export interface SessionStoreOptions {
  dataDir: string;
  maxMessages: number;
  maxTokens: number;
  ttlMs: number;
  log: Logger;
  now?: () => number;
}

export type HeldSession = SessionMemory & { release(): void };

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS session_messages (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
  );
  CREATE INDEX IF NOT EXISTS sessions_by_age ON sessions(updated_at);
`;

export class SessionStore {
  private readonly db: Database.Database;
  private readonly holders = new Map<string, Promise<void>>();
  private readonly cleanupTimer: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly statements;

  constructor(private readonly options: SessionStoreOptions) {
    this.now = options.now ?? Date.now;
    mkdirSync(options.dataDir, { recursive: true });
    this.db = new Database(join(options.dataDir, 'sessions.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.statements = {
      window: this.db.prepare<[string, number], { role: SessionMessage['role']; content: string; tokens: number; created_at: number }>(
        'SELECT role, content, tokens, created_at FROM session_messages WHERE session_id = ? ORDER BY seq DESC LIMIT ?',
      ),
      all: this.db.prepare<[string], { role: SessionMessage['role']; content: string; created_at: number }>('SELECT role, content, created_at FROM session_messages WHERE session_id = ? ORDER BY seq'),
      session: this.db.prepare<[string], { updated_at: number }>('SELECT updated_at FROM sessions WHERE id = ?'),
      touch: this.db.prepare<[string, number]>('INSERT INTO sessions (id, updated_at) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at'),
      nextSeq: this.db.prepare<[string], { next: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM session_messages WHERE session_id = ?'),
      insert: this.db.prepare<[string, number, string, string, number, number]>('INSERT INTO session_messages (session_id, seq, role, content, tokens, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      delete: this.db.prepare<[string]>('DELETE FROM sessions WHERE id = ?'),
      expire: this.db.prepare<[number]>('DELETE FROM sessions WHERE updated_at < ?'),
    };
    this.cleanup();
    this.cleanupTimer = setInterval(() => this.cleanup(), Math.min(options.ttlMs, 10 * 60_000));
    this.cleanupTimer.unref();
  }

  /** Waits until no other run holds the session (or `signal` aborts), then holds it. */
  async open(sessionId: string, signal: AbortSignal): Promise<HeldSession> {
    const previous = this.holders.get(sessionId);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const chained = (previous ?? Promise.resolve()).then(() => held);
    this.holders.set(sessionId, chained);
    let released = false;
    const releaseOnce = () => {
      if (released) return;
      released = true;
      release();
      if (this.holders.get(sessionId) === chained) this.holders.delete(sessionId);
    };
    if (previous) {
      try {
        await waitOrAbort(previous, signal);
      } catch (error) {
        // Our place in line must not block those behind us.
        releaseOnce();
        throw error;
      }
    }
    return {
      id: sessionId,
      messages: async () => this.window(sessionId),
      append: async (...messages) => this.append(sessionId, messages),
      release: releaseOnce,
    };
  }

  get(sessionId: string): Session | undefined {
    const session = this.statements.session.get(sessionId);
    if (!session) return undefined;
    return {
      session_id: sessionId,
      messages: this.statements.all.all(sessionId).map((row) => ({ role: row.role, content: row.content, created_at: new Date(row.created_at).toISOString() })),
      updated_at: new Date(session.updated_at).toISOString(),
    };
  }

  /** Forgets a session; false if there was none. */
  delete(sessionId: string): boolean {
    return this.statements.delete.run(sessionId).changes > 0;
  }

  cleanup(): number {
    const removed = this.statements.expire.run(this.now() - this.options.ttlMs).changes;
    if (removed > 0) this.options.log.info({ removed }, 'forgot idle sessions');
    return removed;
  }

  close(): void {
    clearInterval(this.cleanupTimer);
    this.db.close();
  }

  private window(sessionId: string): SessionMessage[] {
    const newestFirst = this.statements.window.all(sessionId, this.options.maxMessages);
    const kept: SessionMessage[] = [];
    let tokens = 0;
    for (const row of newestFirst) {
      if (tokens + row.tokens > this.options.maxTokens && kept.length > 0) break;
      tokens += row.tokens;
      kept.push({ role: row.role, content: row.content, created_at: new Date(row.created_at).toISOString() });
    }
    return kept.reverse();
  }

  private append(sessionId: string, messages: SessionMessage[]): void {
    const at = this.now();
    this.db.transaction(() => {
      this.statements.touch.run(sessionId, at);
      let seq = this.statements.nextSeq.get(sessionId)!.next;
      for (const message of messages) {
        this.statements.insert.run(sessionId, seq, message.role, message.content, approximateTokens(message.content), at);
        seq += 1;
      }
    })();
  }
}

function waitOrAbort(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
