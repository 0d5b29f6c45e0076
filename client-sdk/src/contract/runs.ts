/**
 * @module
 * Durable background runs: the run record and its listing.
 */
import { z } from 'zod';
import { UsageSchema } from './invoke.js';

export const RUN_STATUSES = [
  'queued',
  'running',
  /** Paused until someone decides (`POST /v1/runs/{id}/resume`); holds no slot. */
  'input_required',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
]);

export function isTerminalRunStatus(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.has(status);
}

export const RunErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean().optional(),
});
export type RunError = z.infer<typeof RunErrorSchema>;

/** What a paused run waits for: a decision on one tool call that needs approval. */
export const AwaitingInputSchema = z.object({
  type: z.literal('approval'),
  call_id: z.string(),
  tool: z.string(),
  arguments: z.unknown(),
  /** When the pause ends with `timed_out` if nobody decided (ISO 8601). */
  expires_at: z.string(),
});
export type AwaitingInput = z.infer<typeof AwaitingInputSchema>;

export const APPROVAL_DECISIONS = ['approve', 'reject'] as const;

/** The body of `POST /v1/runs/{id}/resume`. */
export const ResumeRequestSchema = z.strictObject({
  decision: z.enum(APPROVAL_DECISIONS),
  /** Shown to the model with a rejection. */
  reason: z.string().max(2000).optional(),
});
export type ResumeRequest = z.infer<typeof ResumeRequestSchema>;
export type ApprovalDecision = ResumeRequest['decision'];

export const RunRecordSchema = z.object({
  run_id: z.string(),
  status: RunStatusSchema,
  input: z.unknown(),
  output: z.unknown().optional(),
  error: RunErrorSchema.optional(),
  session_id: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  attempt: z.number().int().nonnegative(),
  max_attempts: z.number().int().positive(),
  usage: UsageSchema.optional(),
  /** Set while the status is `input_required`. */
  awaiting: AwaitingInputSchema.optional(),
  created_at: z.string(),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

export const CreateRunResponseSchema = z.object({
  run_id: z.string(),
  status: RunStatusSchema,
});
export type CreateRunResponse = z.infer<typeof CreateRunResponseSchema>;

export const RunListSchema = z.object({
  data: z.array(RunRecordSchema),
  next_cursor: z.string().nullable(),
});
export type RunList = z.infer<typeof RunListSchema>;
