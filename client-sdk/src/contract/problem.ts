/**
 * @module
 * RFC 9457 problem details as contract v1 uses them: every error body a sidecar
 * sends has this shape and `Content-Type: application/problem+json`.
 */
import { z } from 'zod';
import { ERROR_CODE_LIST } from './error-codes.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ValidationIssueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  code: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssueSchema>;

export const ProblemSchema = z.looseObject({
  type: z.string().default('about:blank'),
  status: z.number().int(),
  title: z.string(),
  detail: z.string().optional(),
  /** Stable machine-readable code; see {@link ERROR_CODES}. Unknown codes from newer sidecars are kept as strings. */
  code: z.union([z.enum(ERROR_CODE_LIST as [string, ...string[]]), z.string()]),
  retryable: z.boolean(),
  run_id: z.string().optional(),
  issues: z.array(ValidationIssueSchema).optional(),
  /** Seconds, mirrored from the `Retry-After` header where one is sent. */
  retry_after: z.number().optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;
