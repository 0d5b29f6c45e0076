/**
 * @module
 * Conversation memory as runs use it (`ctx.session`), over the store's
 * sessions. A run with a `session_id` holds that session until it ends, so
 * concurrent invokes on one session take turns instead of interleaving
 * their messages (across replicas too, when the store is shared). What a run
 * loads is a window: the last `maxMessages` turns, trimmed further to about
 * `maxTokens`, newest kept. Sessions idle longer than `ttlMs` are forgotten.
 */
import type { Logger } from 'pino';
import type { Session, SessionMessage } from '@squire/client/contract';
import { approximateTokens } from '../llm/chat-backend.js';
import type { SessionStore, StoredMessage } from '../store/store.js';
import type { SessionMemory } from './session-memory.js';

export interface SessionsOptions {
  maxMessages: number;
  maxTokens: number;
  ttlMs: number;
  log: Logger;
  now?: () => number;
}

export type HeldSession = SessionMemory & { release(): void };

export class Sessions {
  private readonly cleanupTimer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(
    private readonly store: SessionStore,
    private readonly options: SessionsOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.cleanupTimer = setInterval(() => void this.cleanup().catch(() => undefined), Math.min(options.ttlMs, 10 * 60_000));
    this.cleanupTimer.unref();
  }

  /** Waits until no other run holds the session (or `signal` aborts), then holds it. */
  async open(sessionId: string, signal: AbortSignal): Promise<HeldSession> {
    const hold = await this.store.hold(sessionId, signal);
    let released = false;
    return {
      id: sessionId,
      messages: async () => window(await this.store.recent(sessionId, this.options.maxMessages), this.options.maxTokens),
      append: async (...messages) => this.store.append(sessionId, messages.map(toStored), this.now()),
      release: () => {
        if (released) return;
        released = true;
        hold.release().catch((error: unknown) => this.options.log.warn({ err: error, sessionId }, 'cannot release a session'));
      },
    };
  }

  get(sessionId: string): Promise<Session | undefined> {
    return this.store.get(sessionId);
  }

  /** Forgets a session; false if there was none. */
  delete(sessionId: string): Promise<boolean> {
    return this.store.delete(sessionId);
  }

  async cleanup(): Promise<number> {
    const removed = await this.store.expire(this.now() - this.options.ttlMs);
    if (removed > 0) this.options.log.info({ removed }, 'forgot idle sessions');
    return removed;
  }

  close(): void {
    clearInterval(this.cleanupTimer);
  }
}

/** The newest messages that fit in about `maxTokens` (at least one), oldest first. */
export function window(recent: readonly StoredMessage[], maxTokens: number): SessionMessage[] {
  const kept: SessionMessage[] = [];
  let tokens = 0;
  for (let i = recent.length - 1; i >= 0; i -= 1) {
    const message = recent[i]!;
    if (tokens + message.tokens > maxTokens && kept.length > 0) break;
    tokens += message.tokens;
    kept.push({ role: message.role, content: message.content, ...(message.created_at !== undefined && { created_at: message.created_at }) });
  }
  return kept.reverse();
}

function toStored(message: SessionMessage): StoredMessage {
  return { role: message.role, content: message.content, tokens: approximateTokens(message.content) };
}
