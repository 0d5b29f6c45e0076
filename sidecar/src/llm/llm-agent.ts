/**
 * @module
 * The loop behind a declarative LLM agent: instructions, prior session turns
 * and the user message go to the model; tool calls are validated against
 * each tool's zod schema and executed, their results (or errors, which the
 * model gets to see rather than crashing the run) fed back, up to `maxSteps`
 * model calls; the final answer is parsed as the agent's output.
 */
import { z } from 'zod';
import type { RunEventDraft } from '@squire/client/contract';
import type { AgentContext } from '../agent/agent-context.js';
import type { LlmAgentDefinition, ToolDefinition } from '../agent/define-agent.js';
import { SidecarError } from '../errors.js';
import { toJsonSchema } from '../agent/json-schema.js';
import type { ChatMessage, ChatTool } from './llm-client.js';
import { lastUserText, type ChatTurn } from '../agent/chat-turns.js';

export const DEFAULT_MAX_STEPS = 8;

/** Watches each tool call (span and metrics); `end` gets the failure, if the call failed. */
export interface ToolCallObserver {
  start(name: string, callId: string): ObservedToolCall;
}

export interface ObservedToolCall {
  /** Runs the tool's code inside the call's trace context. */
  activate<T>(work: () => T): T;
  end(failure?: unknown): void;
}

type ToolOutcome = { result: unknown } | { error: string };

export async function runLlmAgent(
  definition: LlmAgentDefinition,
  ctx: AgentContext<unknown>,
  publish: (event: RunEventDraft) => void,
  conversation?: readonly ChatTurn[],
  toolCalls?: ToolCallObserver,
): Promise<unknown> {
  const instructions = typeof definition.instructions === 'function' ? definition.instructions(ctx) : definition.instructions;
  // A chat-shaped caller's messages go to the model as they are; otherwise the agent's prompt builds the user turn.
  const userTurns: ChatTurn[] = conversation
    ? [...conversation]
    : [{ role: 'user', content: definition.prompt ? definition.prompt(ctx.input) : typeof ctx.input === 'string' ? ctx.input : JSON.stringify(ctx.input) }];
  const userText = lastUserText(userTurns);
  const history = await ctx.session.messages();
  const messages: ChatMessage[] = [
    { role: 'system', content: instructions },
    ...history.map((message) => ({ role: message.role, content: message.content })),
    ...userTurns.map((turn) => ({ role: turn.role, content: turn.content })),
  ];
  const tools = Object.entries(definition.tools ?? {});
  const chatTools: ChatTool[] = tools.map(([name, tool]) => ({ name, description: tool.description, parameters: toJsonSchema(tool.parameters, 'input') }));
  const textOutput = definition.output instanceof z.ZodString;
  const responseSchema = textOutput ? undefined : { name: `${definition.name}_output`.replace(/[^A-Za-z0-9_-]/g, '_'), schema: toJsonSchema(definition.output, 'output') };
  const maxSteps = definition.maxSteps ?? DEFAULT_MAX_STEPS;

  for (let step = 1; step <= maxSteps; step += 1) {
    const answer = await ctx.llm.chat({
      messages,
      ...(definition.model !== undefined && { model: definition.model }),
      ...(chatTools.length > 0 && { tools: chatTools }),
      ...(responseSchema && { responseSchema }),
      stream: true,
    });
    if (answer.toolCalls.length > 0) {
      messages.push({ role: 'assistant', content: answer.content, tool_calls: answer.toolCalls });
      for (const call of answer.toolCalls) {
        const observed = toolCalls?.start(call.function.name, call.id);
        let outcome: ToolOutcome;
        try {
          const answered = await callTool(
            definition.tools?.[call.function.name],
            call.function.name,
            call.function.arguments,
            ctx,
            (args) => publish({ type: 'run.tool_call', call_id: call.id, name: call.function.name, arguments: args }),
            observed,
          );
          outcome = answered.outcome;
          observed?.end(answered.failure);
        } catch (error) {
          observed?.end(error);
          throw error;
        }
        publish({ type: 'run.tool_result', call_id: call.id, name: call.function.name, ...outcome });
        messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify('error' in outcome ? { error: outcome.error } : outcome.result ?? null) });
      }
      continue;
    }
    const text = answer.content ?? '';
    const output = textOutput ? text : parseJsonAnswer(text, definition.name);
    await ctx.session.append({ role: 'user', content: userText }, { role: 'assistant', content: text });
    return output;
  }
  throw new SidecarError('agent_error', `agent "${definition.name}" did not reach a final answer within ${maxSteps} model calls (maxSteps)`);
}

async function callTool(
  tool: ToolDefinition | undefined,
  name: string,
  rawArguments: string,
  ctx: AgentContext<unknown>,
  announce: (args: unknown) => void,
  observed: ObservedToolCall | undefined,
): Promise<{ outcome: ToolOutcome; failure?: unknown }> {
  const refuse = (message: string) => ({ outcome: { error: message }, failure: new Error(message) });
  let args: unknown;
  try {
    args = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
  } catch {
    announce(rawArguments);
    return refuse(`the arguments are not valid JSON: ${rawArguments.slice(0, 200)}`);
  }
  announce(args);
  if (!tool) return refuse(`there is no tool named "${name}"`);
  const parsed = tool.parameters.safeParse(args);
  if (!parsed.success) {
    return refuse(`invalid arguments: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
  }
  try {
    const execute = () => tool.execute(parsed.data, ctx);
    return { outcome: { result: await (observed ? observed.activate(execute) : execute()) } };
  } catch (error) {
    // An abort is not the tool's failure: it ends the run.
    if (ctx.signal.aborted) throw ctx.signal.reason;
    ctx.log.warn({ tool: name, err: error }, 'tool failed; the model gets the error');
    return { outcome: { error: error instanceof Error ? error.message : String(error) }, failure: error };
  }
}

function parseJsonAnswer(text: string, agent: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SidecarError('agent_error', `the model's final answer for agent "${agent}" is not the JSON its output schema needs: ${text.slice(0, 200)}`);
  }
}
