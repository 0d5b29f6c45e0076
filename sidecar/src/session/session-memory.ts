/**
 * @module
 * Conversation memory of one session as an agent sees it (`ctx.session`).
 */
import type { SessionMessage } from '@squire/client/contract';

export interface SessionMemory {
  readonly id: string | undefined;
  /** Prior turns, oldest first, within the configured window. */
  messages(): Promise<SessionMessage[]>;
  append(...messages: SessionMessage[]): Promise<void>;
}

/** The memory of a run without `session_id`: always empty, appends are dropped. */
export const NO_SESSION: SessionMemory = Object.freeze({
  id: undefined,
  messages: async () => [],
  append: async () => undefined,
});
