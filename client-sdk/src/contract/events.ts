/**
 * @module
 * Run events, the payloads of the SSE streams of `POST /v1/invoke`
 * (with `Accept: text/event-stream`) and `GET /v1/runs/{id}/events`.
 * The SSE `event:` field carries `type`, `data:` carries the whole object,
 * `id:` carries `seq` (per run, starting at 1).
 */
import { z } from 'zod';
import { InvokeResultSchema } from './invoke.js';
import { ProblemSchema } from './problem.js';
import { AwaitingInputSchema } from './runs.js';

const base = { run_id: z.string(), seq: z.number().int().positive() };

export const RunStartedEventSchema = z.object({
  ...base,
  type: z.literal('run.started'),
  attempt: z.number().int().positive(),
});
export const RunDeltaEventSchema = z.object({
  ...base,
  type: z.literal('run.delta'),
  /** A piece of streamed model text. */
  delta: z.string(),
});
export const RunToolCallEventSchema = z.object({
  ...base,
  type: z.literal('run.tool_call'),
  call_id: z.string(),
  name: z.string(),
  arguments: z.unknown(),
});
export const RunToolResultEventSchema = z.object({
  ...base,
  type: z.literal('run.tool_result'),
  call_id: z.string(),
  name: z.string(),
  result: z.unknown().optional(),
  error: z.string().optional(),
});
export const RunProgressEventSchema = z.object({
  ...base,
  type: z.literal('run.progress'),
  /** Whatever the agent passed to `ctx.emit`. */
  data: z.unknown(),
});
/** The run paused: `awaiting` says what decision it needs. */
export const RunInputRequiredEventSchema = z.object({
  ...base,
  type: z.literal('run.input_required'),
  awaiting: AwaitingInputSchema,
});
export const RunCompletedEventSchema = z.object({
  ...base,
  type: z.literal('run.completed'),
  result: InvokeResultSchema,
});
export const RunFailedEventSchema = z.object({
  ...base,
  type: z.literal('run.failed'),
  error: ProblemSchema,
});

export const RunEventSchema = z.discriminatedUnion('type', [
  RunStartedEventSchema,
  RunDeltaEventSchema,
  RunToolCallEventSchema,
  RunToolResultEventSchema,
  RunProgressEventSchema,
  RunInputRequiredEventSchema,
  RunCompletedEventSchema,
  RunFailedEventSchema,
]);
export type RunEvent = z.infer<typeof RunEventSchema>;
export type RunEventType = RunEvent['type'];
/** An event as an agent or the runtime produces it, before the stream numbers it. */
export type RunEventDraft = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'run_id' | 'seq'>
    : never
  : never;

export function isFinalRunEvent(event: RunEvent): boolean {
  return event.type === 'run.completed' || event.type === 'run.failed';
}
