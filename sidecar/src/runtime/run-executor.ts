/**
 * @module
 * Executes one run of the hosted agent: waits for a slot (sync invokes) or
 * takes one handed over (background runs), builds `ctx`, runs the agent's code
 * or the LLM loop, validates the output, and accounts time, usage and metrics.
 * Every failure leaves here as a `SidecarError` carrying the run id.
 */
import type { Logger } from 'pino';
import type { RunEventDraft, SessionBusyPolicy, Usage } from '@squire/client/contract';
import { SidecarError, isSidecarError, toValidationIssues } from '../errors.js';
import { isAgentError } from '../agent/agent-error.js';
import { isLlmAgent, type AgentDefinition, type LlmAgentDefinition } from '../agent/define-agent.js';
import type { AgentContext } from '../agent/agent-context.js';
import type { ChatTurn } from '../agent/chat-turns.js';
import { UsageMeter, type LlmProvider } from '../llm/llm-client.js';
import { providerName } from '../llm/observed-model-call.js';
import { NO_SESSION, type SessionMemory } from '../session/session-memory.js';
import type { SidecarMetrics } from '../metrics.js';
import type { ToolCallObserver } from '../llm/llm-agent.js';
import type { RunSpan, Tracing } from '../telemetry/tracing.js';
import { traceIdOf, traceIdOfRun } from '../telemetry/trace-context.js';
import { RunAbort, abortReason } from './deadline.js';
import type { Lifecycle } from './lifecycle.js';
import type { RunEventChannel } from './run-events.js';
import { RunContext } from './run-context.js';
import type { Release, Slots } from './slots.js';
import { NO_JOURNAL, RunPaused, type StepJournal } from './step-journal.js';

type HeldSession = SessionMemory & { release(): void };
type RunSamples = { count: { inc(): void }; duration: { observe(seconds: number): void } };

/**
 * Runs a declarative LLM agent; `publish` puts tool calls and results on the
 * run's event stream; `conversation`, when given, replaces the user turn the
 * agent's `prompt` would build (a chat-shaped caller's own messages).
 */
export type RunLlmAgent = (
  definition: LlmAgentDefinition,
  ctx: AgentContext<unknown>,
  publish: (event: RunEventDraft) => void,
  conversation?: readonly ChatTurn[],
  steps?: { journal: StepJournal; countReplayed(usage: Usage): void },
  toolCalls?: ToolCallObserver,
) => Promise<unknown>;

export interface SessionOpener {
  open(
    sessionId: string,
    options: { signal: AbortSignal; onBusy?: SessionBusyPolicy | undefined; interrupt?: (reason: SidecarError) => void },
  ): Promise<SessionMemory & { release(): void }>;
}

export interface RunExecutorDeps {
  agent: AgentDefinition;
  slots: Slots;
  llm: LlmProvider;
  runLlmAgent: RunLlmAgent;
  sessions?: SessionOpener;
  metrics: SidecarMetrics;
  log: Logger;
  /** Runs register here so the end of a drain's grace period aborts them. */
  lifecycle?: Lifecycle;
  /** Spans of runs, model calls and tool calls; undefined when tracing is off. */
  tracing?: Tracing | undefined;
}

export interface RunRequest {
  runId: string;
  /** Already validated by `validateInput`. */
  input: unknown;
  sessionId?: string | undefined;
  /** What to do when the session is busy; the agent's `session.onBusy` when absent. */
  onBusy?: SessionBusyPolicy | undefined;
  metadata: Record<string, string>;
  attempt: number;
  /** Epoch milliseconds. */
  deadline: number;
  /** Aborts the run with its reason: caller gone, cancel, drain. */
  signals: AbortSignal[];
  events: RunEventChannel;
  kind: 'invoke' | 'background';
  /** A slot already held (background runs); otherwise the executor waits for one. */
  slot?: Release;
  /** Fields of the request to bind the run's logger to (request id, traceparent). */
  logBindings?: Record<string, string>;
  /**
   * Lets the caller abort the run without an AbortController of its own
   * (one per request is measurable on the hot path), e.g. when the HTTP
   * client disconnects.
   */
  bindAbort?: (abort: (reason: unknown) => void) => void;
  /**
   * The trace context the run belongs to: the request's server span when
   * tracing is on, else the caller's `traceparent` (carried into model calls).
   */
  traceparent?: string | undefined;
  /** A chat-shaped caller's messages, sent to an LLM agent's model as they are. */
  conversation?: readonly ChatTurn[] | undefined;
  /** Retries the caller allows (`Squire-Max-Retries`): model retries of this run stay within them. */
  callerMaxRetries?: number | undefined;
  /** The steps earlier attempts finished, and where this one records its own (background runs). */
  journal?: StepJournal | undefined;
}

export interface RunOutcome {
  output: unknown;
  usage: Usage;
  timing: { queued_ms: number; run_ms: number; total_ms: number };
}

/** What the model calls of a failed run consumed, for those who record its end (a cancelled run is billed too). */
const usageOfFailures = new WeakMap<SidecarError, Usage>();

/** The usage of a run that ended with `failure`; undefined when it called no model. */
export function usageOfFailure(failure: unknown): Usage | undefined {
  return failure instanceof SidecarError ? usageOfFailures.get(failure) : undefined;
}

export class RunExecutor {
  /** Run metrics by kind and status: a handful of fixed values, so the maps stay small. */
  private readonly runSamples = { invoke: new Map<string, RunSamples>(), background: new Map<string, RunSamples>() };

  constructor(private readonly deps: RunExecutorDeps) {}

  get agentName(): string {
    return this.deps.agent.name;
  }

  /** Parses input against the agent's schema; throws 400 `invalid_input` with issues. */
  validateInput(raw: unknown): unknown {
    const result = this.deps.agent.input.safeParse(raw);
    if (!result.success) {
      throw new SidecarError('invalid_input', `input does not match the input schema of agent "${this.deps.agent.name}"`, {
        issues: toValidationIssues(result.error.issues),
      });
    }
    return result.data;
  }

  async execute(request: RunRequest): Promise<RunOutcome> {
    const started = performance.now();
    const abort = new RunAbort(request.deadline, request.signals);
    const abortRun = (reason: unknown) => abort.abort(reason);
    request.bindAbort?.(abortRun);
    const unregister = this.deps.lifecycle?.registerRun(abortRun);
    const { agent, tracing } = this.deps;
    const span = tracing?.startRun({
      agent: agent.name,
      agentVersion: agent.version,
      runId: request.runId,
      kind: request.kind,
      attempt: request.attempt,
      traceparent: request.traceparent,
      ...(isLlmAgent(agent) && { provider: providerName(this.deps.llm.descriptor) }),
    });
    let runLog: Logger | undefined;
    // Built on first use: a run that succeeds quietly never pays for a child logger.
    const log = () =>
      (runLog ??= this.deps.log.child({
        ...request.logBindings,
        agent: agent.name,
        run_id: request.runId,
        trace_id: span?.traceId ?? traceIdOf(request.traceparent) ?? traceIdOfRun(request.runId),
        attempt: request.attempt,
      }));
    let release: Release | undefined = request.slot;
    let session: HeldSession | undefined;
    // Once the agent's code starts, only its settling frees the slot and the session (see below).
    let agentStarted = false;
    const usage = new UsageMeter();
    try {
      // The session before the slot: a run waiting its turn on a busy session keeps no slot from others.
      if (request.sessionId !== undefined && this.deps.sessions) {
        session = await this.deps.sessions.open(request.sessionId, {
          signal: abort.signal,
          onBusy: request.onBusy ?? this.deps.agent.session?.onBusy,
          interrupt: abortRun,
        });
      }
      release ??= await this.deps.slots.acquire(abort);
      const queuedMs = performance.now() - started;
      const runStarted = performance.now();
      // From here only the agent's settling frees the slot, even if the caller
      // got its answer earlier (at the deadline), so `slots` bounds the agent
      // code really running.
      agentStarted = true;
      const output = await this.runAgent(request, abort, usage, log, span, session ?? NO_SESSION, release);
      const runMs = performance.now() - runStarted;
      this.deps.slots.recordRunDuration(runMs);
      const snapshot = usage.snapshot();
      this.account('succeeded', request.kind, runMs);
      span?.end({ usage: snapshot });
      return {
        output,
        usage: snapshot,
        timing: { queued_ms: round(queuedMs), run_ms: round(runMs), total_ms: round(performance.now() - started) },
      };
    } catch (error) {
      // Not a failure: the run waits for a decision, and its dispatcher stores the pause.
      if (error instanceof RunPaused && !abort.aborted) {
        this.account('input_required', request.kind, performance.now() - started);
        span?.end({ usage: usage.snapshot() });
        throw error;
      }
      const failure = this.toFailure(error, abort).withRunId(request.runId);
      const consumed = usage.snapshot();
      if (consumed.llm_calls > 0) usageOfFailures.set(failure, consumed);
      if (failure.code === 'agent_error' || failure.code === 'internal_error') {
        log().error({ err: error, code: failure.code }, 'run failed');
      } else {
        if (this.deps.log.isLevelEnabled('debug')) log().debug({ code: failure.code }, 'run stopped');
      }
      this.account(failure.code === 'deadline_exceeded' ? 'timed_out' : failure.code === 'cancelled' ? 'cancelled' : 'failed', request.kind, performance.now() - started);
      span?.end({ ...(consumed.llm_calls > 0 && { usage: consumed }), error: failure, code: failure.code });
      throw failure;
    } finally {
      abort.dispose();
      unregister?.();
      if (!agentStarted) {
        release?.();
        session?.release();
      }
    }
  }

  private async runAgent(
    request: RunRequest,
    abort: RunAbort,
    usage: UsageMeter,
    log: () => Logger,
    span: RunSpan | undefined,
    session: SessionMemory & { release?: () => void },
    release: Release,
  ): Promise<unknown> {
    const { agent } = this.deps;
    const ctx = new RunContext({ request, abort, usage, log, span, session, provider: this.deps.llm });
    const run = () =>
      isLlmAgent(agent)
        ? this.deps.runLlmAgent(
            agent,
            ctx,
            (event) => request.events.publish(event),
            request.conversation,
            { journal: request.journal ?? NO_JOURNAL, countReplayed: (replayed) => usage.add(replayed) },
            this.toolCalls(span),
          )
        : agent.run(ctx);
    let work: Promise<unknown>;
    try {
      work = Promise.resolve(span ? span.activate(run) : run());
    } catch (error) {
      // Code that throws before its first await fails the run like a rejection.
      work = Promise.reject(error);
    }
    const settled = () => {
      session.release?.();
      release();
    };
    work.then(settled, settled);
    const raw = await raceAbort(work, abort);
    const parsed = agent.output.safeParse(raw);
    if (!parsed.success) {
      log().error({ issues: parsed.error.issues }, 'agent output does not match its output schema');
      throw new SidecarError('agent_error', `agent "${agent.name}" returned output that does not match its output schema`, {
        issues: toValidationIssues(parsed.error.issues),
      });
    }
    return parsed.data;
  }

  private toFailure(error: unknown, abort: RunAbort): SidecarError {
    if (isSidecarError(error)) return error;
    // An agent that rethrows the abort (or a library's AbortError) stopped because of the signal.
    if (abort.aborted) return abortReason(abort);
    // Only an AgentError's text is meant for the caller; any other exception
    // text stays in the (redacted) log line of the run.
    if (isAgentError(error)) return new SidecarError('agent_error', error.message, { cause: error });
    return new SidecarError('agent_error', `agent "${this.deps.agent.name}" failed; its log has the error under this run id`, { cause: error });
  }

  private account(status: string, kind: RunRequest['kind'], runMs: number): void {
    const byStatus = this.runSamples[kind];
    let samples = byStatus.get(status);
    if (!samples) {
      // Bound once per (status, kind): an unbound sample looks its label set up on every call.
      const { metrics } = this.deps;
      samples = { count: metrics.runs.labels({ status, kind }), duration: metrics.runDuration.labels({ status }) };
      byStatus.set(status, samples);
    }
    samples.count.inc();
    samples.duration.observe(runMs / 1000);
  }

  /** Counts and times each tool call of an LLM agent, with an `execute_tool` span when tracing is on. */
  private toolCalls(span: RunSpan | undefined): ToolCallObserver {
    const { toolCalls, toolCallDuration } = this.deps.metrics;
    return {
      start(name, callId) {
        const started = performance.now();
        const toolSpan = span?.startTool(name, callId);
        return {
          activate: (work) => (toolSpan ? toolSpan.activate(work) : work()),
          end(failure) {
            // A call waiting for a person's decision did not run: it is counted when it does, after the resume.
            if (failure instanceof RunPaused) {
              toolSpan?.end();
              return;
            }
            toolCalls.inc({ tool: name, outcome: failure === undefined ? 'ok' : 'error' });
            toolCallDuration.observe({ tool: name }, (performance.now() - started) / 1000);
            toolSpan?.end(failure);
          },
        };
      },
    };
  }
}

/** Settles with the work, or rejects with the abort reason as soon as the run aborts. */
function raceAbort<T>(work: Promise<T>, abort: RunAbort): Promise<T> {
  if (abort.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abort.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const unregister = abort.onAbort(reject);
    work.then(
      (value) => {
        unregister();
        resolve(value);
      },
      (error: unknown) => {
        unregister();
        reject(error);
      },
    );
  });
}

const round = (ms: number) => Math.round(ms * 100) / 100;
