/**
 * @module
 * Chat through the `openai` SDK against any OpenAI-compatible endpoint.
 * The run's signal goes to every request, so a deadline, a cancel or a
 * disconnect closes the upstream connection at once. Upstream errors become
 * contract errors: 429 → `rate_limited` with the upstream `Retry-After`,
 * anything else → `upstream_error`. The SDK's own retries are bounded by
 * `--llm-max-retries` and counted.
 */
import OpenAI from 'openai';
import type { ModelProvider } from '@squire/client/contract';
import { SidecarError } from '../errors.js';
import type { ChatBackend, CompletionContext } from './chat-backend.js';
import type { ChatRequest, ChatResult, ToolCall } from './llm-client.js';

export interface OpenAiBackendOptions {
  baseURL: string;
  apiKey?: string | undefined;
  maxRetries: number;
  /** Upper bound of one request; the run's deadline usually ends it first. */
  timeoutMs: number;
  /** Called for each retry the SDK makes. */
  onRetry?: () => void;
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
      maxRetries: options.maxRetries,
      timeout: options.timeoutMs,
      fetch: async (url, init) => {
        const retry = new Headers(init?.headers).get('x-stainless-retry-count');
        if (retry !== null && retry !== '0') options.onRetry?.();
        return fetch(url, init);
      },
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
      throw toSidecarError(error, context.signal);
    }
  }
}

function usageOf(usage: OpenAI.CompletionUsage | undefined | null) {
  const input = usage?.prompt_tokens ?? 0;
  const output = usage?.completion_tokens ?? 0;
  return { input_tokens: input, output_tokens: output, total_tokens: input + output, llm_calls: 1 };
}

function toSidecarError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof SidecarError) return error;
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const detail = `the model endpoint answered ${error.status}: ${error.message}`;
    if (error.status === 429) {
      const header = error.headers?.get('retry-after') ?? null;
      const seconds = header !== null && /^\d+$/.test(header) ? Number(header) : 1;
      return new SidecarError('rate_limited', detail, { retryAfter: seconds, cause: error });
    }
    return new SidecarError('upstream_error', detail, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SidecarError('upstream_error', `the model endpoint could not be reached: ${message}`, { cause: error });
}
