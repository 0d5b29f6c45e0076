/**
 * @module
 * The loop behind a declarative LLM agent: instructions, prior session turns
 * and the user message go to the model; tool calls are validated against
 * each tool's zod schema and executed, their results (or errors, which the
 * model gets to see rather than crashing the run) fed back, up to `maxSteps`
 * model calls; the final answer is parsed as the agent's output.
 *
 * Each model answer and each tool result is journaled before the next step,
 * so a durable run resumed after a crash or a pause takes the steps it
 * already finished from its journal (its events were published then):
 * finished model calls are not paid again, finished tools do not run again
 * (unless `idempotent`). A tool that `needsApproval` pauses the run until a
 * decision is journaled.
 */
import { z } from 'zod';
import type { ApprovalDecision, RunEventDraft, Usage } from '@squire/client/contract';
import type { AgentContext } from '../agent/agent-context.js';
import type { LlmAgentDefinition, ToolDefinition } from '../agent/define-agent.js';
import { SidecarError } from '../errors.js';
import { toJsonSchema } from '../agent/json-schema.js';
import type { ChatMessage, ChatResult, ChatTool } from './llm-client.js';
import { NO_JOURNAL, RunPaused, type StepJournal } from '../runtime/step-journal.js';
import { lastUserText, type ChatTurn } from '../agent/chat-turns.js';

export const DEFAULT_MAX_STEPS = 8;

/** The run's journal, and where the usage of model calls taken from it is counted (they were paid). */
export interface LoopSteps {
  journal: StepJournal;
  countReplayed(usage: Usage): void;
}

const NO_STEPS: LoopSteps = { journal: NO_JOURNAL, countReplayed: () => undefined };

/** Watches each tool call (span and metrics); `end` gets the failure, if the call failed. */
export interface ToolCallObserver {
  start(name: string, callId: string): ObservedToolCall;
}

export interface ObservedToolCall {
  /** Runs the tool's code inside the call's trace context. */
  activate<T>(work: () => T): T;
  /** The call's failure, if it failed; a `RunPaused` when it waits for a decision. */
  end(failure?: unknown): void;
}

type ToolOutcome = { result: unknown } | { error: string };

export async function runLlmAgent(
  definition: LlmAgentDefinition,
  ctx: AgentContext<unknown>,
  publish: (event: RunEventDraft) => void,
  conversation?: readonly ChatTurn[],
  steps: LoopSteps = NO_STEPS,
  toolCalls?: ToolCallObserver,
): Promise<unknown> {
  const { journal } = steps;
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
    throwIfStopped(ctx.signal);
    const modelKey = `model:${step}`;
    let answer = journal.get(modelKey) as ChatResult | undefined;
    if (answer) {
      steps.countReplayed(answer.usage);
    } else {
      answer = await ctx.llm.chat({
        messages,
        ...(definition.model !== undefined && { model: definition.model }),
        ...(chatTools.length > 0 && { tools: chatTools }),
        ...(responseSchema && { responseSchema }),
        stream: true,
      });
      await journal.record(modelKey, answer);
    }
    if (answer.toolCalls.length > 0) {
      messages.push({ role: 'assistant', content: answer.content, tool_calls: answer.toolCalls });
      for (const call of answer.toolCalls) {
        // A cancelled run starts no further tool: a tool's side effects are what a cancel must stop.
        throwIfStopped(ctx.signal);
        const outcome = await toolStep(definition.tools?.[call.function.name], call.id, call.function.name, call.function.arguments, ctx, publish, journal, toolCalls);
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

/**
 * One tool call as a journaled step: its recorded outcome when an earlier
 * attempt finished it (an idempotent tool runs again, quietly), else the
 * call itself — after a decision, for a tool that needs approval — with its
 * events, recorded before the loop goes on.
 */
async function toolStep(
  tool: ToolDefinition | undefined,
  callId: string,
  name: string,
  rawArguments: string,
  ctx: AgentContext<unknown>,
  publish: (event: RunEventDraft) => void,
  journal: StepJournal,
  toolCalls: ToolCallObserver | undefined,
): Promise<ToolOutcome> {
  const key = `tool:${callId}`;
  const recorded = journal.get(key) as ToolOutcome | undefined;
  if (recorded && !tool?.idempotent) return recorded;
  const decision = tool?.needsApproval ? (journal.get(`approval:${callId}`) as { decision: ApprovalDecision; reason?: string } | undefined) : undefined;
  // Its call was announced before the run paused for the decision, or by the attempt that recorded it.
  const announced = recorded !== undefined || decision !== undefined;
  const announce = (args: unknown) => {
    if (!announced) publish({ type: 'run.tool_call', call_id: callId, name, arguments: args });
  };
  // Observed when it is called here (not when taken from the journal): one span and one sample per call made.
  const observed = toolCalls?.start(name, callId);
  let answered: { outcome: ToolOutcome; failure?: unknown };
  try {
    answered = await callTool(
      tool,
      name,
      rawArguments,
      ctx,
      announce,
      (args) => {
        if (!tool?.needsApproval || decision?.decision === 'approve') return undefined;
        if (decision?.decision === 'reject') return { error: `a person rejected this call${decision.reason ? `: ${decision.reason}` : ''}` };
        if (!journal.durable) {
          throw new SidecarError('agent_error', `tool "${name}" needs approval, which only a background run (POST /v1/runs) can wait for`);
        }
        throw new RunPaused({ type: 'approval', call_id: callId, tool: name, arguments: args });
      },
      observed,
    );
  } catch (error) {
    observed?.end(error);
    throw error;
  }
  observed?.end(answered.failure);
  const { outcome } = answered;
  if (recorded) return outcome;
  publish({ type: 'run.tool_result', call_id: callId, name, ...outcome });
  await journal.record(key, outcome);
  return outcome;
}

/**
 * Parses, announces and validates a call; then lets `admit` answer it
 * instead (a rejection) or stop the run (a pause) before it runs.
 */
async function callTool(
  tool: ToolDefinition | undefined,
  name: string,
  rawArguments: string,
  ctx: AgentContext<unknown>,
  announce: (args: unknown) => void,
  admit: (args: unknown) => ToolOutcome | undefined,
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
  const refused = admit(args);
  // A person's rejection: the call did not run, and the model hears why.
  if (refused) return { outcome: refused, failure: new Error('error' in refused ? refused.error : 'rejected') };
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

function throwIfStopped(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}
