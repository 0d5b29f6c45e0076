/**
 * @module
 * Chat through the `openai` SDK against any OpenAI-compatible endpoint.
 * The run's signal goes to every request, so a deadline, a cancel or a
 * disconnect closes the upstream connection at once. The SDK's own retries
 * are off: its waits ignore the signal and it cannot know the caller's
 * budget, so each failure is classified here (as the SDK would: 408, 409,
 * 429, 5xx and connection failures are worth repeating, `x-should-retry`
 * overrides) and model-retries decides.
 */
import OpenAI from 'openai';
import type { ModelProvider } from '@squire/client/contract';
import { SidecarError } from '../errors.js';
import type { ChatBackend, CompletionContext } from './chat-backend.js';
import type { ChatRequest, ChatResult, ToolCall } from './llm-client.js';
import { ModelCallError } from './model-failure.js';

export interface OpenAiBackendOptions {
  baseURL: string;
  apiKey?: string | undefined;
  /** Upper bound of one request; the run's deadline usually ends it first. */
  timeoutMs: number;
}

export class OpenAiBackend implements ChatBackend {
  readonly descriptor: ModelProvider;
  private readonly client: OpenAI;

  constructor(options: OpenAiBackendOptions, defaultModel: string) {
    this.descriptor = { kind: 'openai-compatible', model: defaultModel, base_url: options.baseURL };
    this.client = new OpenAI({
      baseURL: options.baseURL,
      // Local OpenAI-compatible servers often need no key; the SDK insists on one.
      apiKey: options.apiKey ?? 'unused',
      maxRetries: 0,
      timeout: options.timeoutMs,
    });
  }

  async complete(request: ChatRequest & { model: string }, context: CompletionContext): Promise<ChatResult> {
    const params = {
      model: request.model,
      messages: request.messages as OpenAI.Chat.ChatCompletionMessageParam[],
      ...(request.tools && request.tools.length > 0 && {
        tools: request.tools.map((tool) => ({ type: 'function' as const, function: { name: tool.name, description: tool.description, parameters: tool.parameters } })),
      }),
      ...(request.responseSchema && {
        response_format: { type: 'json_schema' as const, json_schema: { name: request.responseSchema.name, schema: request.responseSchema.schema } },
      }),
      ...(request.temperature !== undefined && { temperature: request.temperature }),
      ...(request.maxTokens !== undefined && { max_tokens: request.maxTokens }),
    };
    const options = { signal: context.signal, ...(context.traceparent && { headers: { traceparent: context.traceparent } }) };
    // Once a piece of the answer went out to the caller, a retry would repeat it.
    let streamed = false;
    try {
      if (!context.onDelta) {
        const completion = await this.client.chat.completions.create(params, options);
        const choice = completion.choices[0];
        return {
          content: choice?.message.content ?? null,
          toolCalls: (choice?.message.tool_calls ?? []).filter((call) => call.type === 'function').map((call) => ({ id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } })),
          finishReason: choice?.finish_reason ?? null,
          model: completion.model,
          usage: usageOf(completion.usage),
        };
      }
      const stream = await this.client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, options);
      let content = '';
      let finishReason: string | null = null;
      let model = request.model;
      let usage: OpenAI.CompletionUsage | undefined;
      const calls: ToolCall[] = [];
      for await (const chunk of stream) {
        model = chunk.model || model;
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.delta.content) {
          content += choice.delta.content;
          streamed = true;
          context.onDelta(choice.delta.content);
        }
        for (const delta of choice.delta.tool_calls ?? []) {
          const call = (calls[delta.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
          if (delta.id) call.id = delta.id;
          if (delta.function?.name) call.function.name += delta.function.name;
          if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
      return { content: content || null, toolCalls: calls.filter(Boolean), finishReason, model, usage: usageOf(usage) };
    } catch (error) {
      throw classifyFailure(error, context.signal, streamed);
    }
  }
}

function usageOf(usage: OpenAI.CompletionUsage | undefined | null) {
  const input = usage?.prompt_tokens ?? 0;
  const output = usage?.completion_tokens ?? 0;
  return { input_tokens: input, output_tokens: output, total_tokens: input + output, llm_calls: 1 };
}

/** What the run sees of a failed request: the abort reason when the run was aborted, else a classified `ModelCallError`. */
function classifyFailure(error: unknown, signal: AbortSignal, streamed: boolean): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof SidecarError) return error;
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const headers = error.headers;
    return new ModelCallError(`the model endpoint answered ${error.status}: ${error.message}`, {
      status: error.status,
      retryable: !streamed && worthRepeating(error.status, headers?.get('x-should-retry') ?? null),
      retryAfterMs: retryAfterMs(headers),
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ModelCallError(`the model endpoint could not be reached: ${message}`, { retryable: !streamed, cause: error });
}

/** The openai SDK's own rule: the server's `x-should-retry` wins; else timeouts, lock conflicts, rate limits and server errors. */
function worthRepeating(status: number, shouldRetry: string | null): boolean {
  if (shouldRetry === 'true') return true;
  if (shouldRetry === 'false') return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** `retry-after-ms`, else `Retry-After` in seconds or as an HTTP date. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
