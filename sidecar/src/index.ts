/**
 * @module
 * Public API of `@squire/sidecar`: `defineAgent` and the types an agent's
 * code sees. The daemon itself is the `squire-sidecar` bin.
 */
export { defineAgent, tool, isDefinedAgent } from './agent/define-agent.js';
export type {
  AgentDefinition,
  CodeAgentDefinition,
  LlmAgentDefinition,
  ToolDefinition,
  AgentLimitsOverride,
  AgentSessionOptions,
  DefinedAgent,
} from './agent/define-agent.js';
export type { AgentContext } from './agent/agent-context.js';
export { lastUserText, type ChatTurn } from './agent/chat-turns.js';
export type { LlmClient, ChatMessage, ChatRequest, ChatResult } from './llm/llm-client.js';
export type { SessionMemory } from './session/session-memory.js';
export { SidecarError } from './errors.js';
export { AgentError } from './agent/agent-error.js';
export { loadConfig, type SidecarConfig } from './config.js';
