/**
 * @module
 * Bodies of `POST /v1/invoke` and `POST /v1/runs`, and the result of a finished run.
 */
import { z } from 'zod';

export const MetadataSchema = z.record(z.string(), z.string().max(1024));

/**
 * What a run on a session does when another run holds that session:
 * `reject` answers 409 `session_busy` at once; `enqueue` waits its turn
 * (first come, first served, bounded, within its deadline); `interrupt`
 * cancels the running one and starts; `rollback` does that and also removes
 * the cancelled run's messages from the session.
 */
export const SESSION_BUSY_POLICIES = ['reject', 'enqueue', 'interrupt', 'rollback'] as const;
export const SessionBusyPolicySchema = z.enum(SESSION_BUSY_POLICIES);
export type SessionBusyPolicy = z.infer<typeof SessionBusyPolicySchema>;

export const InvokeRequestSchema = z.strictObject({
  input: z.unknown(),
  session_id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, 'session_id may only hold letters, digits and . _ : -')
    .optional(),
  metadata: MetadataSchema.optional(),
  /** Overrides the agent's `session.onBusy` for this run. */
  on_busy: SessionBusyPolicySchema.optional(),
});
export type InvokeRequest = z.infer<typeof InvokeRequestSchema>;

export const UsageSchema = z.object({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
  llm_calls: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof UsageSchema>;

export const TimingSchema = z.object({
  /** Milliseconds spent waiting for a slot. */
  queued_ms: z.number().nonnegative(),
  /** Milliseconds the agent ran. */
  run_ms: z.number().nonnegative(),
  /** Milliseconds from request to answer, as the sidecar saw it. */
  total_ms: z.number().nonnegative(),
});
export type Timing = z.infer<typeof TimingSchema>;

export const InvokeResultSchema = z.object({
  run_id: z.string(),
  status: z.literal('succeeded'),
  output: z.unknown(),
  usage: UsageSchema,
  timing: TimingSchema,
  attempt: z.number().int().positive().optional(),
});
export type InvokeResult<TOutput = unknown> = Omit<z.infer<typeof InvokeResultSchema>, 'output'> & {
  output: TOutput;
};

export const EMPTY_USAGE: Usage = Object.freeze({
  input_tokens: 0,
  output_tokens: 0,
  total_tokens: 0,
  llm_calls: 0,
});
