/**
 * @module
 * Errors in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`,
 * which the `openai` SDKs turn into their typed errors (`AuthenticationError`,
 * `RateLimitError`, `NotFoundError`…). `code` is the sidecar's stable code,
 * so a caller can still tell `deadline_exceeded` from `agent_error`;
 * `Retry-After` is kept, and `x-should-retry: false` stops the client's
 * own retries where they cannot help.
 */
import type { SidecarError } from '../../errors.js';

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

export function openAiErrorBody(error: SidecarError, param: string | null = null): OpenAiErrorBody {
  const issues = error.issues?.length ? `: ${error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}` : '';
  return { error: { message: `${error.message}${issues}`, type: errorType(error.status), param, code: error.code } };
}

/**
 * Codes the sidecar already retried for this call (a failing or
 * rate-limiting model) or that no retry can fix (`retryable: false`).
 * The official `openai` clients retry every 408, 409, 429 and 5xx unless
 * `x-should-retry: false` says otherwise; without it, their 2 retries times
 * the sidecar's model retries would multiply the requests to the model.
 */
const SIDECAR_RETRIED: ReadonlySet<string> = new Set(['upstream_error', 'rate_limited']);

/** `x-should-retry: false` for an answer no client should repeat; nothing otherwise (the client's own rules apply). */
export function shouldRetryHeader(code: string, retryable: boolean): Record<string, string> {
  return !retryable || SIDECAR_RETRIED.has(code) ? { 'x-should-retry': 'false' } : {};
}

export function openAiErrorResponse(error: SidecarError, headers: Record<string, string> = {}): Response {
  const all: Record<string, string> = { 'content-type': 'application/json', ...shouldRetryHeader(error.code, error.retryable), ...headers };
  if (error.retryAfter !== undefined) all['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfter)));
  if (error.status === 401) all['www-authenticate'] = 'Bearer';
  return new Response(JSON.stringify(openAiErrorBody(error)), { status: error.status, headers: all });
}
