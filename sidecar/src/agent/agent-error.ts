/**
 * @module
 * `AgentError`: the one exception whose message an agent means its callers
 * to read. Anything else an agent throws reaches the caller as a stable
 * "agent failed" problem, because exception text routinely carries what it
 * must not (a connection string, a token in a URL, a stack path): a library
 * deep inside the agent writes it, not the agent's author.
 */

/** Marks the class across copies of this package (an agent may resolve its own). */
const AGENT_ERROR = Symbol.for('squire.agent-error');

export class AgentError extends Error {
  override readonly name = 'AgentError';
  /** The message is public: it is the `detail` of the caller's `agent_error` problem. */
  readonly expose = true;
  readonly [AGENT_ERROR] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isAgentError(value: unknown): value is AgentError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[AGENT_ERROR] === true;
}
