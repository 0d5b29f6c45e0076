/**
 * @module
 * The model access an agent gets as `ctx.llm`, and the provider that hands one
 * out per run (bound to the run's signal, usage meter and event sink).
 */
import type { Logger } from 'pino';
import type { ModelProvider, RunEventDraft, Usage } from '@squire/client/contract';
import type { RunSpan } from '../telemetry/tracing.js';

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_call_id?: string;
  tool_calls?: ToolCall[];
}

/** A tool offered to the model, with its parameters as JSON Schema. */
export interface ChatTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Overrides the configured model for this call. */
  model?: string;
  tools?: ChatTool[];
  /** Asks for JSON matching this schema (OpenAI `response_format: json_schema`). */
  responseSchema?: { name: string; schema: Record<string, unknown> };
  temperature?: number;
  maxTokens?: number;
  /** Streams the answer and publishes each text piece as a `run.delta` event. @default false */
  stream?: boolean;
}

export interface ChatResult {
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: string | null;
  usage: Usage;
  model: string;
}

export interface LlmClient {
  /** Which model answers, as published in the descriptor. */
  readonly provider: ModelProvider;
  /**
   * One chat completion. The run's signal aborts the upstream request; a
   * failed request is retried within the run's allowance (see model-retries).
   * @throws {SidecarError} `rate_limited` (429, with the upstream Retry-After) or `upstream_error` (502)
   */
  chat(request: ChatRequest): Promise<ChatResult>;
}

/** One model call in flight, as counted by its run's meter. */
export interface MeteredCall {
  /** A piece of the answer arrived (streaming): counted at once, so a call cut off still counts what it produced. */
  streamed(text: string): void;
  /** The call completed: its reported usage replaces the running estimate. */
  settle(usage: { input_tokens?: number; output_tokens?: number }): void;
  /** The call failed or was cut off: what streamed before stays counted, a call that produced nothing is dropped. */
  cutOff(): void;
}

/**
 * Accumulates token usage of every model call of one run. A streaming call
 * counts as it streams (estimated from the text, as no usage chunk has come
 * yet), so when a cancel cuts it off the run's usage already holds what was
 * consumed and stops growing.
 */
export class UsageMeter {
  private inputTokens = 0;
  private outputTokens = 0;
  private calls = 0;
  /** Calls under way; made on the first call (most code agents never call a model). */
  private open: Set<{ input: number; output: number; started: boolean }> | undefined;

  add(usage: { input_tokens?: number; output_tokens?: number }): void {
    this.inputTokens += usage.input_tokens ?? 0;
    this.outputTokens += usage.output_tokens ?? 0;
    this.calls += 1;
  }

  /** Starts counting a call whose prompt is about `promptTokens` long. */
  begin(promptTokens: number): MeteredCall {
    const call = { input: promptTokens, output: 0, started: false };
    const open = (this.open ??= new Set());
    open.add(call);
    return {
      streamed: (text) => {
        call.started = true;
        call.output += approximateTokens(text);
      },
      settle: (usage) => {
        if (open.delete(call)) this.add(usage);
      },
      cutOff: () => {
        if (!open.delete(call) || !call.started) return;
        this.add({ input_tokens: call.input, output_tokens: call.output });
      },
    };
  }

  snapshot(): Usage {
    let input = this.inputTokens;
    let output = this.outputTokens;
    let calls = this.calls;
    for (const call of this.open ?? []) {
      if (!call.started) continue;
      input += call.input;
      output += call.output;
      calls += 1;
    }
    return { input_tokens: input, output_tokens: output, total_tokens: input + output, llm_calls: calls };
  }
}

/** Rough token count (≈ 4 characters a token), for the offline model, session windows and cut-off streams. */
export function approximateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export interface LlmRunScope {
  signal: AbortSignal;
  /** Epoch milliseconds: model retries never wait past it. */
  deadline: number;
  /** Retries the caller allows (its `Squire-Max-Retries`); undefined: the sidecar's own limit alone. */
  callerMaxRetries?: number | undefined;
  /** The caller's W3C `traceparent`, to send on with every model call when the run has no span. */
  traceparent?: string | undefined;
  /** The run's span when tracing is on: each model request gets a `chat` span under it. */
  span?: RunSpan | undefined;
  log: Logger;
  usage: UsageMeter;
  /** Publishes `run.delta`, `run.tool_call`, `run.tool_result` on the run's stream. */
  emit(event: RunEventDraft): void;
}

export interface LlmProvider {
  readonly descriptor: ModelProvider;
  forRun(scope: LlmRunScope): LlmClient;
  /** Loads what the first call would otherwise load; the sidecar awaits it before it reports ready. */
  warmUp?(): Promise<void>;
  close?(): Promise<void>;
}
