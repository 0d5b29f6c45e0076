/**
 * @module
 * Conversation memory as runs use it (`ctx.session`), over the store's
 * sessions. A run with a `session_id` holds that session until it ends, so
 * concurrent invokes on one session never interleave their messages (across
 * replicas too, when the store is shared); what a run does when the session
 * is busy is its policy (`session-gate.ts`). A run stopped by a newer one
 * adds nothing more, and under `rollback` its messages are taken back out
 * before the next run reads the session. What a run
 * loads is a window: the last `maxMessages` turns, trimmed further to about
 * `maxTokens`, newest kept. Sessions idle longer than `ttlMs` are forgotten.
 */
import type { Logger } from 'pino';
import type { Session, SessionBusyPolicy, SessionMessage } from '@squire/client/contract';
import { approximateTokens } from '../llm/chat-backend.js';
import type { SessionStore, StoredMessage } from '../store/store.js';
import type { SessionMemory } from './session-memory.js';
import { DEFAULT_SESSION_POLICY, SessionGate } from './session-gate.js';
import type { SidecarError } from '../errors.js';

export interface SessionsOptions {
  maxMessages: number;
  maxTokens: number;
  ttlMs: number;
  /** Runs that may wait for one busy session (`enqueue`). @default 16 */
  queueMax?: number;
  log: Logger;
  now?: () => number;
}

export type HeldSession = SessionMemory & { release(): void };

export interface OpenSession {
  /** Aborts the wait (deadline, cancel, caller gone). */
  signal: AbortSignal;
  /** What to do when the session is busy. @default 'enqueue' */
  onBusy?: SessionBusyPolicy | undefined;
  /** Stops the run that holds the session, when a newer run interrupts it. */
  interrupt?: (reason: SidecarError) => void;
}

/** Sessions waited for per session at most, unless configured. */
export const DEFAULT_SESSION_QUEUE_MAX = 16;

export class Sessions {
  private readonly cleanupTimer: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly gate: SessionGate;

  constructor(
    private readonly store: SessionStore,
    private readonly options: SessionsOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.gate = new SessionGate(options.queueMax ?? DEFAULT_SESSION_QUEUE_MAX);
    this.cleanupTimer = setInterval(() => void this.cleanup().catch(() => undefined), Math.min(options.ttlMs, 10 * 60_000));
    this.cleanupTimer.unref();
  }

  /**
   * Holds the session for one run, as its policy says when another run
   * holds it (see `SessionGate`): at once, after waiting its turn, or after
   * interrupting the holder; or refuses.
   */
  async open(sessionId: string, options: OpenSession): Promise<HeldSession> {
    let stoppedBy: SidecarError | undefined;
    let rollback = false;
    const leave = await this.gate.enter(
      sessionId,
      options.onBusy ?? DEFAULT_SESSION_POLICY,
      {
        interrupt: (reason, rollbackRequested) => {
          stoppedBy ??= reason;
          rollback ||= rollbackRequested;
          options.interrupt?.(reason);
        },
      },
      options.signal,
    );
    let hold: { release(): Promise<void> };
    let mark: number;
    try {
      hold = await this.store.hold(sessionId, options.signal);
      try {
        mark = await this.store.lastSeq(sessionId);
      } catch (error) {
        await hold.release().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      leave();
      throw error;
    }
    let released = false;
    return {
      id: sessionId,
      messages: async () => window(await this.store.recent(sessionId, this.options.maxMessages), this.options.maxTokens),
      append: async (...messages) => {
        // A run a newer one stopped adds nothing more: its turn is over.
        if (stoppedBy) throw stoppedBy;
        await this.store.append(sessionId, messages.map(toStored), this.now());
      },
      release: () => {
        if (released) return;
        released = true;
        void this.letGo(sessionId, hold, mark, () => rollback).finally(leave);
      },
    };
  }

  /** Takes a rolled-back run's messages out, then lets the next holder in. */
  private async letGo(sessionId: string, hold: { release(): Promise<void> }, mark: number, rollback: () => boolean): Promise<void> {
    try {
      if (rollback()) {
        const removed = await this.store.truncate(sessionId, mark);
        if (removed > 0) this.options.log.info({ sessionId, removed }, 'rolled back the messages of an interrupted run');
      }
    } catch (error) {
      this.options.log.warn({ err: error, sessionId }, 'cannot roll back the messages of an interrupted run');
    }
    await hold.release().catch((error: unknown) => this.options.log.warn({ err: error, sessionId }, 'cannot release a session'));
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
