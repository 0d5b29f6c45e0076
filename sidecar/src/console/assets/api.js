/**
 * @module
 * The page's one way to its sidecar. URLs are relative to the sidecar's root
 * (the page lives at `<root>/console/`), so the console works behind a proxy
 * that mounts the sidecar under a prefix. Every call carries the token, when
 * one is set; problem+json answers become `ApiError`s; event streams are read
 * with fetch and the SDK's SSE decoder, since `EventSource` cannot send an
 * `Authorization` header.
 */
import { SseDecoder } from './sse-decoder.js';
import { currentToken } from './token.js';

/** The sidecar's root URL, from the page's own address. */
export const ROOT = new URL('../', document.baseURI);

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Record<string, unknown>} problem the problem+json body (or what stood in for it)
   */
  constructor(status, problem) {
    super(typeof problem.detail === 'string' ? problem.detail : `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = typeof problem.code === 'string' ? problem.code : undefined;
    this.problem = problem;
  }
}

/** @typedef {{ method?: string, body?: unknown, headers?: Record<string, string>, signal?: AbortSignal }} CallOptions */

/** @type {(error: ApiError) => void} */
let unauthorized = () => undefined;

/**
 * Who hears of a 401 (the token dialog), before the call that got it throws.
 * @param {(error: ApiError) => void} listener
 */
export function onUnauthorized(listener) {
  unauthorized = listener;
}

/**
 * The absolute URL of an API path such as `v1/agent` (no leading slash).
 * @param {string} path
 */
export function apiUrl(path) {
  return new URL(path.replace(/^\//, ''), ROOT).toString();
}

/**
 * @param {string} path
 * @param {CallOptions} options
 * @param {string} accept
 */
function send(path, options, accept) {
  /** @type {Record<string, string>} */
  const headers = { accept, ...options.headers };
  const token = currentToken();
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(apiUrl(path), {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: options.signal ?? null,
    credentials: 'omit',
    cache: 'no-store',
  });
}

/**
 * Calls the API and returns its JSON body; throws `ApiError` for any status but 2xx.
 * @param {string} path
 * @param {CallOptions} [options]
 * @returns {Promise<any>}
 */
export async function api(path, options = {}) {
  const response = await send(path, options, 'application/json');
  if (!response.ok) throw await toApiError(response);
  const text = await response.text();
  return text === '' ? undefined : JSON.parse(text);
}

/**
 * Reads an SSE response event by event, as `{ type, id, data }` with `data`
 * parsed from JSON. Stops (and closes the stream) when the caller stops
 * iterating or `options.signal` aborts.
 * @param {string} path
 * @param {CallOptions} [options]
 * @returns {AsyncGenerator<{ type: string, id: string | undefined, data: any }>}
 */
export async function* eventStream(path, options = {}) {
  const response = await send(path, options, 'text/event-stream');
  if (!response.ok) throw await toApiError(response);
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new SseDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      for (const event of done ? decoder.end() : decoder.push(value)) {
        yield { type: event.event, id: event.id, data: JSON.parse(event.data) };
      }
      if (done) return;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** @param {Response} response */
async function toApiError(response) {
  const text = await response.text().catch(() => '');
  /** @type {Record<string, unknown>} */
  let problem = { detail: `HTTP ${response.status} ${response.statusText}`.trim() };
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object') problem = parsed;
  } catch {
    if (text) problem = { detail: text.slice(0, 500) };
  }
  const error = new ApiError(response.status, problem);
  if (response.status === 401) unauthorized(error);
  return error;
}

/**
 * A short, readable line for any error a call can end with.
 * @param {unknown} error
 */
export function describeError(error) {
  if (error instanceof ApiError) return `${error.status}${error.code ? ` ${error.code}` : ''}: ${error.message}`;
  if (error instanceof DOMException && error.name === 'AbortError') return 'stopped';
  return error instanceof Error ? error.message : String(error);
}
