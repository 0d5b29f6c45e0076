/**
 * @module
 * The body of `POST /v1/chat/completions`, checked and reduced to what the
 * agent can honour: its model name (the agent's), text messages, `stream`
 * and `stream_options.include_usage`, and `user` as a session name.
 * Sampling parameters (`temperature`, `max_tokens`…) are accepted and left
 * to the agent, which owns its model settings; images, audio and
 * caller-side tools are refused, since an agent runs its own tools.
 */
import { z } from 'zod';
import type { ChatTurn } from '../../agent/chat-turns.js';
import { SidecarError, toValidationIssues } from '../../errors.js';

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
const Content = z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).nullable().optional();

const Message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: Content,
  tool_calls: z.array(z.unknown()).optional(),
});

export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(Message).min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().optional(),
  n: z.number().int().nullable().optional(),
  tools: z.array(z.unknown()).optional(),
});

export interface ChatCompletionCall {
  model: string;
  turns: ChatTurn[];
  stream: boolean;
  includeUsage: boolean;
  user: string | undefined;
}

export function parseChatCompletion(body: unknown): ChatCompletionCall {
  const parsed = ChatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) {
    throw new SidecarError('invalid_request', 'the body must be a chat completion request: {"model": string, "messages": [{"role", "content"}, ...]}', {
      issues: toValidationIssues(parsed.error.issues),
    });
  }
  const request = parsed.data;
  if (request.n !== undefined && request.n !== null && request.n !== 1) throw new SidecarError('invalid_request', 'n must be 1: an agent gives one answer per call');
  if (request.tools !== undefined && request.tools.length > 0) {
    throw new SidecarError('invalid_request', 'tools are not accepted: the agent runs its own tools; send system, user and assistant messages');
  }
  const turns = request.messages.map((message, index): ChatTurn => {
    if (message.role === 'tool' || message.role === 'function' || (message.tool_calls?.length ?? 0) > 0) {
      throw new SidecarError('invalid_request', `messages[${index}]: tool messages and tool calls are not accepted; the agent runs its own tools`);
    }
    return { role: message.role === 'developer' ? 'system' : message.role, content: textOf(message.content, index) };
  });
  return {
    model: request.model,
    turns,
    stream: request.stream === true,
    includeUsage: request.stream_options?.include_usage === true,
    user: request.user,
  };
}

function textOf(content: z.infer<typeof Content>, index: number): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      const text = TextPart.safeParse(part);
      if (!text.success) throw new SidecarError('invalid_request', `messages[${index}]: only text content parts are accepted, got "${part.type}"`);
      return text.data.text;
    })
    .join('');
}
