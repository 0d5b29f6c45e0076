/**
 * @module
 * `SidecarError` carries a contract error code; `problemResponse` turns it into an
 * RFC 9457 `application/problem+json` response. Every error a client sees goes
 * through here, so the body shape and the code→status table stay in one place.
 */
import {
  ERROR_CODES,
  PROBLEM_CONTENT_TYPE,
  type ErrorCode,
  type Problem,
  type ValidationIssue,
} from '@squire/client/contract';

export interface SidecarErrorOptions {
  cause?: unknown;
  runId?: string;
  issues?: ValidationIssue[];
  /** Seconds; sent as `Retry-After` and mirrored in the body. */
  retryAfter?: number;
  /** Overrides the status of the code table (e.g. an upstream 429 passed on). */
  status?: number;
}

export class SidecarError extends Error {
  override readonly name = 'SidecarError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly runId: string | undefined;
  readonly issues: ValidationIssue[] | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, detail: string, options: SidecarErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.retryable = ERROR_CODES[code].retryable;
    this.runId = options.runId;
    this.issues = options.issues;
    this.retryAfter = options.retryAfter;
  }

  withRunId(runId: string): SidecarError {
    if (this.runId === runId) return this;
    return new SidecarError(this.code, this.message, {
      cause: this.cause,
      runId,
      ...(this.issues && { issues: this.issues }),
      ...(this.retryAfter !== undefined && { retryAfter: this.retryAfter }),
      status: this.status,
    });
  }

  toProblem(): Problem {
    return {
      type: 'about:blank',
      status: this.status,
      title: ERROR_CODES[this.code].title,
      detail: this.message,
      code: this.code,
      retryable: this.retryable,
      ...(this.runId !== undefined && { run_id: this.runId }),
      ...(this.issues !== undefined && { issues: this.issues }),
      ...(this.retryAfter !== undefined && { retry_after: this.retryAfter }),
    };
  }
}

export function isSidecarError(value: unknown): value is SidecarError {
  return value instanceof SidecarError;
}

/**
 * What a request that threw is answered with: a `SidecarError` as it is;
 * anything else is a defect, logged with the request's fields and answered
 * 500 `internal_error` without its message.
 */
export function failureOf(error: unknown, log: { error(fields: object, message: string): void }, logBindings: Record<string, string> | undefined): SidecarError {
  if (error instanceof SidecarError) return error;
  log.error({ err: error, ...logBindings }, 'unhandled error');
  return new SidecarError('internal_error', 'the sidecar failed to handle this request; see its log');
}

/** Builds the HTTP response for a problem; `extraHeaders` adds e.g. `Connection: close` while draining. */
export function problemResponse(error: SidecarError, extraHeaders?: Record<string, string>): Response {
  return new Response(JSON.stringify(error.toProblem()), { status: error.status, headers: problemHeaders(error, extraHeaders) });
}

/** The headers of a problem answer, for `problemResponse` and for answers written on Node's response directly. */
export function problemHeaders(error: SidecarError, extraHeaders?: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, ...extraHeaders };
  if (error.retryAfter !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfter)));
  return headers;
}

/** Maps zod issues to the contract's issue shape (paths only hold strings and numbers). */
export function toValidationIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code: string }>,
): ValidationIssue[] {
  return issues.map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment))),
    message: issue.message,
    code: issue.code,
  }));
}
