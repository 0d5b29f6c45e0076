/**
 * @module
 * `defineAgent`: how a user describes an agent. Either `run(ctx)` (any code) or a
 * declarative LLM agent (`instructions`, `model`, `tools`). The result keeps the
 * zod schemas as typed fields, which is what lets the client SDK infer input and
 * output types from `typeof import('./agent').default` without a runtime import.
 */
import type { z } from 'zod';
import type { SessionBusyPolicy } from '@squire/client/contract';
import type { AgentContext } from './agent-context.js';
import type { ChatTurn } from './chat-turns.js';

/** Per-agent limits; each overrides the sidecar's flag of the same name. */
export interface AgentLimitsOverride {
  /** Concurrent runs. */
  slots?: number;
  /** Sync invokes allowed to wait for a slot. */
  queueMax?: number;
  /** Deadline for a call that sends no `Squire-Timeout-Ms`, in milliseconds. */
  defaultTimeoutMs?: number;
  /** Upper bound on any deadline, in milliseconds. */
  maxTimeoutMs?: number;
}

/** How runs of this agent share a session (`session_id`). */
export interface AgentSessionOptions {
  /**
   * What a run does when another run holds its session: `reject` (409
   * `session_busy`), `enqueue` (wait its turn), `interrupt` (cancel the
   * running one, then start), `rollback` (that, and remove the cancelled
   * run's messages). A caller's `on_busy` (or `Squire-On-Busy`) overrides it.
   * @default 'enqueue'
   */
  onBusy?: SessionBusyPolicy;
}

export interface ToolDefinition<TParams extends z.ZodType = z.ZodType> {
  description: string;
  parameters: TParams;
  /**
   * A person decides before each call runs: the run pauses with status
   * `input_required` until `POST /v1/runs/{id}/resume` brings `approve` (the
   * tool runs) or `reject` (the model is told). Background runs only: an
   * invoke that reaches such a call fails, as nobody could answer it.
   */
  needsApproval?: boolean;
  /**
   * Run the tool again when a durable run resumes after a crash, instead of
   * taking its recorded result (for tools whose answer should be fresh and
   * that are safe to repeat). @default false
   */
  idempotent?: boolean;
  execute(args: z.output<TParams>, ctx: AgentContext<unknown>): unknown;
}

/** Identity helper that keeps the parameter type of one tool for `execute`. */
export function tool<TParams extends z.ZodType>(definition: ToolDefinition<TParams>): ToolDefinition<TParams> {
  return definition;
}

interface AgentIdentity<TIn extends z.ZodType, TOut extends z.ZodType> {
  /** Lower-case name, `[a-z0-9][a-z0-9._-]*`. */
  name: string;
  /** Semver of the agent (not of the sidecar). */
  version: string;
  description?: string;
  input: TIn;
  output: TOut;
  /** Readiness check behind `/readyz`; a throw or `false` answers 503 `not_ready`. */
  ready?: () => boolean | Promise<boolean>;
  limits?: AgentLimitsOverride;
  session?: AgentSessionOptions;
  /**
   * How a chat conversation (OpenAI chat completions, an A2A text message)
   * becomes this agent's input. Without it a code agent answers those
   * callers 400 saying so, and an LLM agent takes the conversation as it is.
   * @example fromChat: (messages) => ({ text: lastUserText(messages) })
   */
  fromChat?: (messages: ChatTurn[]) => z.input<TIn>;
}

export interface CodeAgentDefinition<TIn extends z.ZodType = z.ZodType, TOut extends z.ZodType = z.ZodType>
  extends AgentIdentity<TIn, TOut> {
  run(ctx: AgentContext<z.output<TIn>>): z.input<TOut> | Promise<z.input<TOut>>;
}

export interface LlmAgentDefinition<TIn extends z.ZodType = z.ZodType, TOut extends z.ZodType = z.ZodType>
  extends AgentIdentity<TIn, TOut> {
  /** System prompt; a function sees the run's context (input, metadata). */
  instructions: string | ((ctx: AgentContext<z.output<TIn>>) => string);
  /** Model name; the sidecar's `--model` wins when set. */
  model?: string;
  tools?: Record<string, ToolDefinition>;
  /** Upper bound on model calls in the tool loop. @default 8 */
  maxSteps?: number;
  /** Builds the user message from the input. @default JSON of the input, or the string itself */
  prompt?: (input: z.output<TIn>) => string;
}

export type AgentDefinition<TIn extends z.ZodType = z.ZodType, TOut extends z.ZodType = z.ZodType> =
  | CodeAgentDefinition<TIn, TOut>
  | LlmAgentDefinition<TIn, TOut>;

const AGENT_BRAND = Symbol.for('squire.agent');

export type DefinedAgent<TDef> = TDef & { readonly [AGENT_BRAND]: true };

/**
 * Declares an agent; the module's default export is what the sidecar hosts.
 * @example
 * export default defineAgent({
 *   name: 'echo', version: '1.0.0',
 *   input: z.object({ text: z.string() }), output: z.object({ text: z.string() }),
 *   run: ({ input }) => ({ text: input.text }),
 * });
 */
export function defineAgent<TIn extends z.ZodType, TOut extends z.ZodType>(
  definition: CodeAgentDefinition<TIn, TOut>,
): DefinedAgent<CodeAgentDefinition<TIn, TOut>>;
export function defineAgent<TIn extends z.ZodType, TOut extends z.ZodType>(
  definition: LlmAgentDefinition<TIn, TOut>,
): DefinedAgent<LlmAgentDefinition<TIn, TOut>>;
export function defineAgent(definition: AgentDefinition): DefinedAgent<AgentDefinition> {
  return Object.freeze({ ...definition, [AGENT_BRAND]: true as const });
}

export function isDefinedAgent(value: unknown): value is DefinedAgent<AgentDefinition> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[AGENT_BRAND] === true;
}

export function isLlmAgent(definition: AgentDefinition): definition is LlmAgentDefinition {
  return !('run' in definition) || typeof (definition as CodeAgentDefinition).run !== 'function';
}
