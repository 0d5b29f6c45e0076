/**
 * @module
 * Turns an HTTP error answer into its `SquireError`: by the problem `code`
 * when the body is problem+json with a code of the closed table, else by
 * status, so a proxy's HTML 502 or a newer sidecar's unknown code still
 * gives a clear error (the unknown code stays readable in `problem.code`).
 */
import { ProblemSchema, type Problem } from '../contract/index.js';
import { squireError, type SquireError, type SquireErrorFields } from './classes.js';
import { isSquireErrorCode, type SquireErrorCode } from './codes.js';

export function fromResponse(status: number, bodyText: string, fields: Omit<SquireErrorFields, 'code' | 'status' | 'problem'> = {}): SquireError {
  let problem: Problem | undefined;
  try {
    const parsed = ProblemSchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) problem = parsed.data;
  } catch {
    // not JSON: classified by status below
  }
  const code = problem && isSquireErrorCode(problem.code) && problem.code !== 'unexpected_error' ? problem.code : codeOfStatus(status);
  const detail = problem ? `${problem.title}: ${problem.detail ?? ''}`.replace(/: $/, '') : `HTTP ${status}${bodyText ? `: ${bodyText.slice(0, 200)}` : ''}`;
  const where = fields.sidecar ? ` (sidecar "${fields.sidecar}")` : '';
  return squireError(code, `${detail}${where}`, {
    ...fields,
    status,
    problem,
    ...(problem?.run_id !== undefined && { runId: problem.run_id }),
    ...(problem?.issues !== undefined && { issues: problem.issues }),
    ...(fields.retryAfterMs === undefined && problem?.retry_after !== undefined && { retryAfterMs: problem.retry_after * 1000 }),
  });
}

/** An answer without a known code: what its status alone says. */
function codeOfStatus(status: number): SquireErrorCode {
  switch (status) {
    case 400:
      return 'invalid_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden_host';
    case 404:
      return 'not_found';
    case 413:
      return 'body_too_large';
    case 429:
      return 'overloaded';
    case 500:
      return 'internal_error';
    case 502:
    case 503:
    case 504:
      // A proxy or load balancer in front of the sidecar, not the sidecar itself.
      return 'unavailable';
    default:
      return 'http_error';
  }
}
