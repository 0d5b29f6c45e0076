/**
 * @module
 * How a conversation from a chat-shaped caller (OpenAI chat completions, an
 * A2A text message) becomes a run, explicitly and in one place:
 *
 * - an agent that declares `fromChat(messages)` gets that as its input,
 *   validated against its schema like any other input;
 * - an LLM agent without it takes the conversation as it is: its model sees
 *   the caller's messages after its own instructions and session turns,
 *   and `ctx.input` is the last user message's text;
 * - a code agent without it cannot be called this way, and the caller is
 *   told how to declare it.
 *
 * A durable run (A2A) stores only its input, not a conversation: there an
 * LLM agent without `fromChat` needs an input schema that accepts the text.
 */
import type { AgentDefinition } from '../agent/define-agent.js';
import { isLlmAgent } from '../agent/define-agent.js';
import { lastUserText, type ChatTurn } from '../agent/chat-turns.js';
import { SidecarError } from '../errors.js';
import type { RunExecutor } from '../runtime/run-executor.js';

export interface ChatRun {
  /** As stored by a durable run (before the schema's transforms). */
  rawInput: unknown;
  /** Validated, as the agent sees it. */
  input: unknown;
  /** For an LLM agent's model, in place of the user turn its `prompt` would build. */
  conversation?: ChatTurn[];
}

export function chatRun(agent: AgentDefinition, executor: RunExecutor, turns: ChatTurn[], mode: 'sync' | 'durable'): ChatRun {
  const llm = isLlmAgent(agent);
  const conversation = llm && mode === 'sync' ? { conversation: turns } : {};
  if (agent.fromChat) {
    let raw: unknown;
    try {
      raw = agent.fromChat(turns);
    } catch (error) {
      throw new SidecarError('invalid_input', `the fromChat mapping of agent "${agent.name}" rejected the messages: ${(error as Error)?.message ?? String(error)}`);
    }
    return { rawInput: raw, input: executor.validateInput(raw), ...conversation };
  }
  if (llm) {
    const text = lastUserText(turns);
    if (mode === 'sync') return { rawInput: text, input: text, conversation: turns };
    if (agent.input.safeParse(text).success) return { rawInput: text, input: executor.validateInput(text) };
  }
  throw new SidecarError(
    'invalid_input',
    `agent "${agent.name}" does not say how a chat message becomes its input: add fromChat(messages) to its defineAgent({...}), ` +
      `e.g. fromChat: (messages) => ({ text: lastUserText(messages) }) with lastUserText from @squire/sidecar`,
  );
}
