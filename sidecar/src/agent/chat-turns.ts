/**
 * @module
 * A conversation as the chat-shaped protocols deliver it (OpenAI chat
 * completions, A2A text messages), reduced to text turns: what an agent's
 * `fromChat` receives and what an LLM agent sends to its model.
 */
import type { SessionMessage } from '@squire/client/contract';

export type ChatTurn = Pick<SessionMessage, 'role' | 'content'>;

/** The text of the last user turn, or '' when there is none: what most `fromChat` mappings need. */
export function lastUserText(messages: readonly ChatTurn[]): string {
  for (let i = messages.length - 1; i >= 0; i -= 1) if (messages[i]!.role === 'user') return messages[i]!.content;
  return '';
}
