/**
 * @module
 * What an agent's code sees of one run.
 */
import type { Logger } from 'pino';
import type { LlmClient } from '../llm/llm-client.js';
import type { SessionMemory } from '../session/session-memory.js';

export interface AgentContext<TInput> {
  /** The input, already validated against the agent's `input` schema. */
  readonly input: TInput;
  readonly runId: string;
  /** 1 on the first execution; higher when a durable run is retried after a crash. */
  readonly attempt: number;
  readonly sessionId: string | undefined;
  /** Conversation memory of `sessionId` (empty and write-discarding without one). */
  readonly session: SessionMemory;
  /** Chat with the configured model (or the built-in offline model). */
  readonly llm: LlmClient;
  /** Aborts at the deadline, on cancel, on drain, or when the caller goes away. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds past which the result is no longer wanted. */
  readonly deadline: number;
  /** Streams a `run.progress` event to the caller (and to the stored event log of a background run). */
  emit(data: unknown): void;
  /** pino child logger bound to the run. */
  readonly log: Logger;
  readonly metadata: Readonly<Record<string, string>>;
}
