/**
 * @module
 * JSON-RPC 2.0 as MCP and A2A carry it over HTTP: one request or
 * notification per POST body (neither protocol allows batches any more),
 * the standard error codes, and the body read through the sidecar's own
 * reader, so size, media type and syntax limits are the same as contract
 * v1's and answer in JSON-RPC's shape instead of problem+json.
 */
import type { Context } from 'hono';
import type { SidecarEnv } from '../app-env.js';
import type { SidecarError } from '../errors.js';
import { readJsonBody } from '../http/json-body.js';

export const RPC_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Implementation-defined: the sidecar's own refusals (auth, Host, capacity, drain, deadline); `data` says which. */
  serverError: -32000,
} as const;

export type RpcId = string | number | null;

export interface RpcMessage {
  /** Absent for a notification. */
  id?: string | number;
  method: string;
  params: Record<string, unknown> | undefined;
}

/** A JSON-RPC error to answer with, and the HTTP status to send it under. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly options: { data?: unknown; status?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }
}

/**
 * Reads and checks the envelope; throws `RpcError` (with the id when one
 * could be read), or the body reader's `SidecarError` (size, media type,
 * syntax), which each protocol renders through `rpcCodeOf`.
 */
export async function readRpcMessage(c: Context<SidecarEnv>, maxBytes: number, maxDepth?: number): Promise<RpcMessage> {
  return parseRpcMessage(await readJsonBody(c, maxBytes, maxDepth));
}

export function parseRpcMessage(body: unknown): RpcMessage {
  if (Array.isArray(body)) throw new RpcError(RPC_CODES.invalidRequest, 'batches are not supported: send one JSON-RPC message per request', { status: 400 });
  if (typeof body !== 'object' || body === null) throw new RpcError(RPC_CODES.invalidRequest, 'the body must be a JSON-RPC 2.0 request object', { status: 400 });
  const message = body as Record<string, unknown>;
  const id = message.id;
  const validId = id === undefined || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
  const replyId = validId ? (id as string | number | undefined) : undefined;
  if (message.jsonrpc !== '2.0') throw withId(new RpcError(RPC_CODES.invalidRequest, 'jsonrpc must be "2.0"', { status: 400 }), replyId);
  if (!validId) throw new RpcError(RPC_CODES.invalidRequest, 'id must be a string or a number', { status: 400 });
  if (typeof message.method !== 'string' || message.method === '') throw withId(new RpcError(RPC_CODES.invalidRequest, 'method must be a non-empty string', { status: 400 }), replyId);
  const params = message.params;
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw withId(new RpcError(RPC_CODES.invalidParams, 'params must be an object', { status: 200 }), replyId);
  }
  return { ...(replyId !== undefined && { id: replyId }), method: message.method, params: params as Record<string, unknown> | undefined };
}

const ids = new WeakMap<RpcError, string | number>();
function withId(error: RpcError, id: string | number | undefined): RpcError {
  if (id !== undefined) ids.set(error, id);
  return error;
}
/** The request id an envelope error was raised for, when the body had a usable one. */
export function rpcErrorId(error: RpcError): string | number | null {
  return ids.get(error) ?? null;
}

export function rpcResult(id: RpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result });
}

export function rpcErrorBody(id: RpcId, error: { code: number; message: string; data?: unknown }): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code: error.code, message: error.message, ...(error.data !== undefined && { data: error.data }) } });
}

export function jsonResponse(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** An `RpcError` as the HTTP response that carries it. */
export function rpcErrorResponse(id: RpcId, error: RpcError, headers: Record<string, string> = {}): Response {
  return jsonResponse(rpcErrorBody(id, { code: error.code, message: error.message, data: error.options.data }), error.options.status ?? 200, { ...error.options.headers, ...headers });
}

/** The JSON-RPC code for a sidecar refusal; the HTTP status stays the contract's (401, 413, 429, 503…). */
export function rpcCodeOf(error: SidecarError): number {
  switch (error.code) {
    case 'invalid_json':
      return RPC_CODES.parseError;
    case 'invalid_input':
    case 'invalid_request':
      return RPC_CODES.invalidParams;
    case 'body_too_large':
    case 'body_too_deep':
    case 'unsupported_media_type':
    case 'method_not_allowed':
      return RPC_CODES.invalidRequest;
    case 'not_found':
      return RPC_CODES.methodNotFound;
    case 'agent_error':
    case 'internal_error':
      return RPC_CODES.internalError;
    default:
      return RPC_CODES.serverError;
  }
}

/** `Retry-After` and, for 401, the challenge, as the contract's own errors carry them. */
export function problemHeaders(error: SidecarError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfter)));
  if (error.status === 401) headers['www-authenticate'] = 'Bearer';
  return headers;
}

/** A sidecar refusal as a JSON-RPC error under the contract's HTTP status, with the problem object as `data`. */
export function rpcErrorFromSidecar(error: SidecarError): RpcError {
  return new RpcError(rpcCodeOf(error), error.message, { status: error.status, headers: problemHeaders(error), data: error.toProblem() });
}
