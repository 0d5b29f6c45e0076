/**
 * @module
 * Errors in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`,
 * which the `openai` SDKs turn into their typed errors (`AuthenticationError`,
 * `RateLimitError`, `NotFoundError`…). `code` is the sidecar's stable code,
 * so a caller can still tell `deadline_exceeded` from `agent_error`;
 * `Retry-After` is kept.
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

export function openAiErrorResponse(error: SidecarError, headers: Record<string, string> = {}): Response {
  const all: Record<string, string> = { 'content-type': 'application/json', ...headers };
  if (error.retryAfter !== undefined) all['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfter)));
  if (error.status === 401) all['www-authenticate'] = 'Bearer';
  return new Response(JSON.stringify(openAiErrorBody(error)), { status: error.status, headers: all });
}
