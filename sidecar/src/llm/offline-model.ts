/**
 * @module
 * The built-in offline model: what answers when no OpenAI-compatible
 * endpoint is configured, so the quickstart works with no key and no
 * network. It is deterministic (same conversation, same answer), streams in
 * pieces, calls a fitting tool when tools are offered and none has answered
 * yet, and returns JSON matching the requested schema. It is not a language
 * model: its answers restate the conversation.
 */
import { createHash } from 'node:crypto';
import type { ModelProvider } from '@squire/client/contract';
import type { ChatBackend, CompletionContext } from './chat-backend.js';
import { approximateTokens } from './chat-backend.js';
import type { ChatMessage, ChatRequest, ChatResult, ChatTool } from './llm-client.js';
import { sampleFromSchema, type SampleHints } from './json-schema-sample.js';

export const OFFLINE_MODEL = 'squire-offline-1';

export class OfflineBackend implements ChatBackend {
  readonly descriptor: ModelProvider = { kind: 'offline', model: OFFLINE_MODEL, base_url: null };

  async complete(request: ChatRequest & { model: string }, context: CompletionContext): Promise<ChatResult> {
    throwIfAborted(context.signal);
    const lastUser = lastIndex(request.messages, (message) => message.role === 'user');
    const userText = lastUser === -1 ? '' : (request.messages[lastUser]!.content ?? '');
    const toolResults = request.messages.slice(lastUser + 1).filter((message) => message.role === 'tool');
    const inputTokens = approximateTokens(request.messages.map((message) => message.content ?? JSON.stringify(message.tool_calls ?? '')).join('\n'));
    const seed = digest(JSON.stringify(request.messages));

    const tool = toolResults.length === 0 ? chooseTool(request.tools ?? [], userText) : undefined;
    if (tool) {
      const args = sampleFromSchema(tool.parameters, hintsFrom(userText, toolResults));
      const call = { id: `call_${seed.slice(0, 12)}`, type: 'function' as const, function: { name: tool.name, arguments: JSON.stringify(args) } };
      return result(null, [call], 'tool_calls', inputTokens, approximateTokens(call.function.arguments));
    }

    const summary = toolResults.length > 0 ? `From ${toolResults.length === 1 ? 'the tool' : 'the tools'}: ${toolResults.map((message) => message.content).join('; ')}` : `Offline answer to: ${userText}`;
    const content = request.responseSchema
      ? JSON.stringify(sampleFromSchema(request.responseSchema.schema, hintsFrom(summary, toolResults, userText)))
      : summary;
    if (context.onDelta) {
      for (const piece of content.match(/\S+\s*/g) ?? [content]) {
        throwIfAborted(context.signal);
        context.onDelta(piece);
        // Yield between pieces, as a network stream would.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return result(content, [], 'stop', inputTokens, approximateTokens(content));

    function result(text: string | null, toolCalls: ChatResult['toolCalls'], finishReason: string, input: number, output: number): ChatResult {
      return { content: text, toolCalls, finishReason, model: OFFLINE_MODEL, usage: { input_tokens: input, output_tokens: output, total_tokens: input + output, llm_calls: 1 } };
    }
  }
}

/** The tool whose name or description shares the most words with the question; none if no word matches. */
function chooseTool(tools: ChatTool[], text: string): ChatTool | undefined {
  const lower = text.toLowerCase();
  const score = (tool: ChatTool) =>
    [...tool.name.toLowerCase().split(/[_\W]+/), ...tool.description.toLowerCase().split(/\W+/)].filter((word) => word.length > 3 && lower.includes(word)).length;
  let best: ChatTool | undefined;
  let bestScore = 0;
  for (const tool of tools) {
    const value = score(tool);
    if (value > bestScore) {
      best = tool;
      bestScore = value;
    }
  }
  return best;
}

/** Values a schema sampler can use: a proper noun after in/for/at as a place, the first number, JSON fields of tool results. */
function hintsFrom(text: string, toolResults: ChatMessage[], question = text): SampleHints {
  const byName: Record<string, unknown> = {};
  const place = /\b(?:in|for|at|of)\s+([A-Z][\p{L}-]+(?:\s+[A-Z][\p{L}-]+)?)/u.exec(question)?.[1];
  if (place) for (const key of ['city', 'location', 'place', 'name', 'country']) byName[key] = place;
  for (const message of toolResults) {
    try {
      const parsed = JSON.parse(message.content ?? '') as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(byName, parsed);
    } catch {
      // a plain-text tool result only feeds the summary text
    }
  }
  const number = /-?\d+(?:\.\d+)?/.exec(question)?.[0];
  return { text, byName, ...(number !== undefined && { number: Number(number) }) };
}

function lastIndex<T>(items: T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i -= 1) if (predicate(items[i]!)) return i;
  return -1;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}
