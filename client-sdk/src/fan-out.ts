/**
 * @module
 * Calling many agents at once (all, first success, majority, quorum) and
 * chaining agents in a pipeline. Branches run concurrently, each through its
 * own sidecar's isolation; once the strategy is decided, the losers are
 * cancelled.
 */
import type { InvokeResult } from './contract/index.js';
import { AbortError, SquireConfigError, SquireError, isSquireError } from './errors.js';
import type { CallOptions } from './options.js';

export interface FanOutBranch {
  agent: string;
  input: unknown;
  options?: CallOptions;
}

export type FanOutStrategy = 'all' | 'firstSuccess' | 'majority' | { quorum: number };

export interface FanOutOptions {
  strategy?: FanOutStrategy;
  /** Budget of the whole fan-out, in milliseconds (each branch gets what is left). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type BranchResult =
  | { index: number; agent: string; status: 'fulfilled'; result: InvokeResult }
  | { index: number; agent: string; status: 'rejected'; error: SquireError }
  /** Not needed once the strategy was decided: aborted, result unknown. */
  | { index: number; agent: string; status: 'cancelled' };

export interface FanOutResult {
  /** Whether the strategy was met (all succeeded, or enough did). */
  ok: boolean;
  /** Successes the strategy needed. */
  required: number;
  succeeded: number;
  failed: number;
  results: BranchResult[];
}

export type Invoker = (agent: string, input: unknown, options: CallOptions) => Promise<InvokeResult>;

export function requiredSuccesses(strategy: FanOutStrategy, total: number): number {
  if (strategy === 'all') return total;
  if (strategy === 'firstSuccess') return Math.min(1, total);
  if (strategy === 'majority') return Math.floor(total / 2) + 1;
  if (!Number.isInteger(strategy.quorum) || strategy.quorum < 1 || strategy.quorum > total) {
    throw new SquireConfigError(`fan-out: quorum must be an integer between 1 and ${total}, got ${strategy.quorum}`);
  }
  return strategy.quorum;
}

export function fanOut(invoke: Invoker, branches: readonly FanOutBranch[], options: FanOutOptions = {}): Promise<FanOutResult> {
  const strategy = options.strategy ?? 'all';
  let required: number;
  try {
    required = requiredSuccesses(strategy, branches.length);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const results: Array<BranchResult | undefined> = new Array(branches.length);
  // One controller for all branches: aborting it reaches only the branches
  // still pending (the others have detached), and on Node 20 each
  // AbortController costs microseconds to create and to listen to.
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let succeeded = 0;
  let failed = 0;

  return new Promise<FanOutResult>((resolve) => {
    let decided = false;
    const decide = () => {
      if (decided) return;
      const pending = branches.length - succeeded - failed;
      // "all" waits for every branch so each failure is reported.
      const done = strategy === 'all' ? pending === 0 : succeeded >= required || succeeded + pending < required;
      if (!done) return;
      decided = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (pending > 0) {
        branches.forEach((branch, index) => {
          if (!results[index]) results[index] = { index, agent: branch.agent, status: 'cancelled' };
        });
        controller.abort(new AbortError('cancelled: the fan-out was already decided'));
      }
      resolve({ ok: succeeded >= required, required, succeeded, failed, results: results as BranchResult[] });
    };
    if (branches.length === 0) return decide();
    const signal = controller.signal;
    branches.forEach((branch, index) => {
      const callOptions: CallOptions = { ...branch.options, signal: branch.options?.signal ? AbortSignal.any([branch.options.signal, signal]) : signal };
      if (options.timeoutMs !== undefined) callOptions.timeoutMs = Math.min(options.timeoutMs, branch.options?.timeoutMs ?? Infinity);
      settle(() => invoke(branch.agent, branch.input, callOptions)).then(
        (result) => {
          if (decided) return;
          succeeded += 1;
          results[index] = { index, agent: branch.agent, status: 'fulfilled', result };
          decide();
        },
        (error: unknown) => {
          if (decided) return;
          failed += 1;
          results[index] = { index, agent: branch.agent, status: 'rejected', error: isSquireError(error) ? error : new SquireError(`branch ${index} (agent "${branch.agent}") failed: ${String(error)}`, { code: 'unexpected_error', cause: error }) };
          decide();
        },
      );
    });
  });
}

/** The promise of `start()`, also when it throws before returning one (e.g. an unknown agent name). */
function settle<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start();
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

export interface PipelineStep {
  agent: string;
  /** Builds this step's input from the previous step's output (the first step gets the pipeline input). @default identity */
  map?: (previous: unknown) => unknown;
  options?: CallOptions;
}

export interface PipelineResult {
  output: unknown;
  steps: Array<{ agent: string; result: InvokeResult }>;
}

/** Runs agents in sequence; a failing step throws its error with `step` and the steps done so far. */
export async function pipeline(invoke: Invoker, steps: readonly PipelineStep[], input: unknown, options: CallOptions = {}): Promise<PipelineResult> {
  const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : undefined;
  const done: PipelineResult['steps'] = [];
  let value = input;
  for (const [index, step] of steps.entries()) {
    const callOptions: CallOptions = { ...options, ...step.options };
    delete callOptions.idempotencyKey;
    if (deadline !== undefined) callOptions.timeoutMs = Math.max(1, deadline - Date.now());
    try {
      const result = await invoke(step.agent, step.map ? step.map(value) : value, callOptions);
      done.push({ agent: step.agent, result });
      value = result.output;
    } catch (error) {
      const failure = isSquireError(error) ? error : new SquireError(`pipeline step ${index} (agent "${step.agent}") failed: ${String(error)}`, { code: 'unexpected_error', cause: error });
      throw failure.withStep(index, done);
    }
  }
  return { output: value, steps: done };
}
