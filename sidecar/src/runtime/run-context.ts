/**
 * @module
 * The `ctx` an agent's code gets for one run. Its costly parts (the model
 * client, the AbortSignal, the run's child logger) are built on first use,
 * through getters on the class rather than on each object: an object literal
 * with getters makes a closure per getter per run, and most runs of a code
 * agent read only `input`.
 */
import type { Logger } from 'pino';
import type { AgentContext } from '../agent/agent-context.js';
import type { LlmClient, LlmProvider, UsageMeter } from '../llm/llm-client.js';
import type { SessionMemory } from '../session/session-memory.js';
import type { RunSpan } from '../telemetry/tracing.js';
import type { RunAbort } from './deadline.js';
import type { RunRequest } from './run-executor.js';

const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});

/** What a run's context reads from the executor, besides the request. */
export interface RunContextParts {
  request: RunRequest;
  abort: RunAbort;
  usage: UsageMeter;
  /** The run's logger, made on the first call. */
  log: () => Logger;
  span: RunSpan | undefined;
  session: SessionMemory;
  provider: LlmProvider;
}

export class RunContext implements AgentContext<unknown> {
  readonly input: unknown;
  readonly runId: string;
  readonly attempt: number;
  readonly sessionId: string | undefined;
  readonly session: SessionMemory;
  readonly deadline: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** An own function, not a method: agents may pass `ctx.emit` on by itself. */
  readonly emit: (data: unknown) => void;
  readonly #parts: RunContextParts;
  #llm: LlmClient | undefined;

  constructor(parts: RunContextParts) {
    const { request } = parts;
    this.input = request.input;
    this.runId = request.runId;
    this.attempt = request.attempt;
    this.sessionId = request.sessionId;
    this.session = parts.session;
    this.deadline = request.deadline;
    this.metadata = hasKeys(request.metadata) ? Object.freeze({ ...request.metadata }) : NO_METADATA;
    this.emit = (data) => {
      request.events.publish({ type: 'run.progress', data });
    };
    this.#parts = parts;
  }

  get llm(): LlmClient {
    if (this.#llm) return this.#llm;
    const { request, abort, usage, log, span, provider } = this.#parts;
    this.#llm = provider.forRun({
      get signal() {
        return abort.signal;
      },
      get log() {
        return log();
      },
      usage,
      deadline: request.deadline,
      callerMaxRetries: request.callerMaxRetries,
      traceparent: request.traceparent,
      span,
      emit: (draft) => request.events.publish(draft),
    });
    return this.#llm;
  }

  get signal(): AbortSignal {
    return this.#parts.abort.signal;
  }

  get log(): Logger {
    return this.#parts.log();
  }
}

function hasKeys(record: Record<string, string>): boolean {
  for (const _ in record) return true;
  return false;
}
