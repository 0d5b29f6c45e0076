/**
 * @module
 * A typed handle on one agent: `invoke` (the whole result), `call` (just the
 * output), `stream` (the run's events), `describe` (its descriptor).
 */
import type { z } from 'zod';
import { AgentDescriptorSchema, CreateRunResponseSchema, InvokeResultSchema, type AgentDescriptor, type InvokeRequest, type InvokeResult, type RunList, type RunStatus } from './contract/index.js';
import { RunHandle, listRuns } from './run-handle.js';
import { InvalidInputError, ProtocolError } from './errors.js';
import type { CallOptions } from './options.js';
import { RunStream, type RunStreamOptions } from './streaming/run-stream.js';
import type { SidecarChannel } from './transport/sidecar-channel.js';

export interface AgentHandleOptions<TOutput> {
  /** Validates each output at run time (a mismatch is a `ProtocolError`). */
  output?: z.ZodType<TOutput>;
}

export class AgentHandle<TInput = unknown, TOutput = unknown> {
  constructor(
    private readonly channel: SidecarChannel,
    private readonly options: AgentHandleOptions<TOutput> = {},
  ) {}

  get name(): string {
    return this.channel.name;
  }

  /**
   * Runs the agent once. Retries are safe: one idempotency key per call,
   * reused on every attempt.
   * @throws {SquireError} a subclass per failure (see the errors table)
   */
  async invoke(input: TInput, options: CallOptions = {}): Promise<InvokeResult<TOutput>> {
    const result = await this.channel.call({ method: 'POST', path: '/v1/invoke', body: invokeBody(input, options, this.name), idempotent: false }, options);
    const parsed = InvokeResultSchema.safeParse(parseJson(result.text, this.channel));
    if (!parsed.success) {
      throw new ProtocolError(`sidecar "${this.name}" answered 200 with a body that is not an invoke result`, { sidecar: this.name, endpoint: this.channel.config.url, cause: parsed.error });
    }
    // zod returned a fresh object: set the checked output in place rather than copy it.
    const invoked = parsed.data as InvokeResult<TOutput>;
    if (this.options.output) invoked.output = this.parseOutput(parsed.data.output, parsed.data.run_id);
    return invoked;
  }

  /** Runs the agent once and returns only its output. */
  async call(input: TInput, options: CallOptions = {}): Promise<TOutput> {
    return (await this.invoke(input, options)).output;
  }

  /**
   * Runs the agent and streams its events (`run.started`, `run.delta`,
   * `run.tool_call`, `run.tool_result`, `run.progress`, then `run.completed`
   * or `run.failed`). `await stream.result()` gives the final result.
   */
  stream(input: TInput, options: CallOptions & RunStreamOptions = {}): RunStream<TOutput> {
    const opening = Promise.resolve().then(() => this.channel.open({ method: 'POST', path: '/v1/invoke', body: invokeBody(input, options, this.name), accept: 'text/event-stream', idempotent: false }, options));
    return new RunStream(opening, { sidecar: this.name, endpoint: this.channel.config.url }, options, (output) => this.parseOutput(output));
  }

  /**
   * Starts a durable background run; resolves once the sidecar has it on
   * disk. Retried safely with one idempotency key per call.
   */
  async submit(input: TInput, options: CallOptions = {}): Promise<RunHandle<TOutput>> {
    const result = await this.channel.call({ method: 'POST', path: '/v1/runs', body: invokeBody(input, options, this.name), idempotent: false }, options);
    const parsed = CreateRunResponseSchema.safeParse(parseJson(result.text, this.channel));
    if (!parsed.success) throw new ProtocolError(`sidecar "${this.name}" answered 202 without a run id`, { sidecar: this.name, cause: parsed.error });
    return new RunHandle<TOutput>(parsed.data.run_id, this.channel);
  }

  /** A handle on a background run started earlier (e.g. by another process). */
  run(runId: string): RunHandle<TOutput> {
    return new RunHandle<TOutput>(runId, this.channel);
  }

  /** Background runs, newest first. */
  runs(query: { status?: RunStatus; limit?: number; cursor?: string } = {}, options: CallOptions = {}): Promise<RunList> {
    return listRuns(this.channel, query, options);
  }

  /** The sidecar's descriptor: name, version, schemas, limits, model provider. */
  async describe(options: CallOptions = {}): Promise<AgentDescriptor> {
    const result = await this.channel.call({ method: 'GET', path: '/v1/agent', idempotent: true }, options);
    const parsed = AgentDescriptorSchema.safeParse(parseJson(result.text, this.channel));
    if (!parsed.success) throw new ProtocolError(`sidecar "${this.name}" sent a descriptor that is not contract squire/1`, { sidecar: this.name, cause: parsed.error });
    return parsed.data;
  }

  private parseOutput(output: unknown, runId?: string): TOutput {
    if (!this.options.output) return output as TOutput;
    const parsed = this.options.output.safeParse(output);
    if (!parsed.success) {
      throw new ProtocolError(`the output of agent "${this.name}" does not match the expected schema`, { sidecar: this.name, runId, cause: parsed.error });
    }
    return parsed.data;
  }
}

/** The request body of an invoke or a background run. */
export function invokeBody(input: unknown, options: CallOptions, sidecar?: string): string {
  const body: InvokeRequest = { input };
  if (options.sessionId !== undefined) body.session_id = options.sessionId;
  if (options.metadata !== undefined) body.metadata = options.metadata;
  if (options.onBusy !== undefined) body.on_busy = options.onBusy;
  try {
    return JSON.stringify(body);
  } catch (error) {
    // A cycle or a BigInt: the caller's input cannot go on the wire at all.
    throw new InvalidInputError(`the input cannot be sent as JSON: ${(error as Error).message}`, { code: 'invalid_json', sidecar, cause: error });
  }
}

export function parseJson(text: string, channel: SidecarChannel): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ProtocolError(`sidecar "${channel.name}" answered with a body that is not JSON: ${text.slice(0, 120)}`, { sidecar: channel.name, endpoint: channel.config.url, cause: error });
  }
}
