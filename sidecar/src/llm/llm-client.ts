/**
 * @module
 * The model access an agent gets as `ctx.llm`, and the provider that hands one
 * out per run (bound to the run's signal, usage meter and event sink).
 */
import type { Logger } from 'pino';
import type { ModelProvider, RunEventDraft, Usage } from '@squire/client/contract';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_call_id?: string;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  model?: string;
  temperature?: number;
  maxTokens?: number;
}

export interface ChatResult {
  content: string | null;
  usage: Usage;
}

export interface LlmClient {
  /** Which model answers, as published in the descriptor. */
  readonly provider: ModelProvider;
  chat(request: ChatRequest): Promise<ChatResult>;
}

/** Accumulates token usage of every model call of one run. */
export class UsageMeter {
  private inputTokens = 0;
  private outputTokens = 0;
  private calls = 0;

  add(usage: { input_tokens?: number; output_tokens?: number }): void {
    this.inputTokens += usage.input_tokens ?? 0;
    this.outputTokens += usage.output_tokens ?? 0;
    this.calls += 1;
  }

  snapshot(): Usage {
    return {
      input_tokens: this.inputTokens,
      output_tokens: this.outputTokens,
      total_tokens: this.inputTokens + this.outputTokens,
      llm_calls: this.calls,
    };
  }
}

export interface LlmRunScope {
  signal: AbortSignal;
  /** The caller's W3C `traceparent`, to send on with every model call. */
  traceparent?: string | undefined;
  log: Logger;
  usage: UsageMeter;
  /** Publishes `run.delta`, `run.tool_call`, `run.tool_result` on the run's stream. */
  emit(event: RunEventDraft): void;
}

export interface LlmProvider {
  readonly descriptor: ModelProvider;
  forRun(scope: LlmRunScope): LlmClient;
  close?(): Promise<void>;
}
