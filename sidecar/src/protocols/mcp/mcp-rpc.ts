/**
 * @module
 * MCP over streamable HTTP at `POST /mcp`, the agent as one tool, served
 * without server-side sessions so that replicas behind round-robin all
 * answer every request:
 *
 * - 2026-07-28 (stateless by design): `server/discover`, `tools/list`,
 *   `tools/call`; version, capabilities and the `Mcp-Method`/`Mcp-Name`
 *   headers checked on every request; cancel = closing the response.
 * - 2025-11-25, 2025-06-18, 2025-03-26: `initialize` (answered, nothing
 *   kept), `ping`, `tools/list`, `tools/call`. The `Mcp-Session-Id` minted
 *   at `initialize` is only a correlation token: any replica accepts any
 *   value, and it scopes `notifications/cancelled` to the caller's own
 *   request ids on the replica running the call.
 *
 * `tools/call` is one sync run through the executor (slots, 429s, deadline,
 * disconnect, metrics, logs as `POST /v1/invoke`); with a `progressToken`
 * the run's progress, deltas and tool calls become `notifications/progress`
 * on an SSE response. Loaded on the first request.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Handler } from 'hono';
import { HEADERS, type RunEvent } from '@squire/client/contract';
import type { SidecarEnv } from '../../app-env.js';
import { SidecarError, isSidecarError } from '../../errors.js';
import { requestHeader } from '../../http/headers.js';
import { onCallerGone, syncRunRequest } from '../../routes/invoke.js';
import { resolveTimeoutMs } from '../../runtime/deadline.js';
import { SIDECAR_VERSION } from '../../version.js';
import { RPC_CODES, RpcError, jsonResponse, readRpcMessage, rpcErrorBody, rpcErrorFromSidecar, rpcErrorId, rpcErrorResponse, rpcResult, type RpcMessage } from '../json-rpc.js';
import type { ProtocolDeps } from '../protocol.js';
import { agentTool } from './agent-tool.js';
import { LEGACY_VERSIONS, MCP_CODES, META, MODERN_VERSION, SUPPORTED_VERSIONS, decodeHeaderValue, requestVersion } from './mcp-versions.js';
import { ResponseStream } from './response-stream.js';

const SESSION_HEADER = 'mcp-session-id';
/** How long a client may cache `tools/list` and `server/discover` (2026-07-28): the tool changes only with a redeploy. */
const LIST_TTL_MS = 300_000;

interface Exchange {
  id: string | number;
  modern: boolean;
}

export function mcpHandler(deps: ProtocolDeps): Handler<SidecarEnv> {
  const tool = agentTool(deps.descriptor);
  const serverInfo = { name: `squire-${deps.agent.name}`, title: deps.agent.name, version: deps.agent.version, description: `Squire sidecar ${SIDECAR_VERSION}` };
  const capabilities = { tools: { listChanged: false } };
  /** Runs of legacy `tools/call` requests by session and request id, for `notifications/cancelled`. */
  const inFlight = new Map<string, (reason: unknown) => void>();

  return async (c) => {
    let id: string | number | null = null;
    try {
      const message = await readRpcMessage(c, deps.limits.maxBodyBytes, deps.limits.maxBodyDepth);
      id = message.id ?? null;
      const version = requestVersion(message.params);
      if (version !== undefined) checkModernRequest(c, message, version);
      else checkLegacyHeader(c);
      if (message.id === undefined) return notification(c, message);
      return await request(c, message, { id: message.id, modern: version !== undefined });
    } catch (error) {
      if (error instanceof RpcError) return rpcErrorResponse(id ?? rpcErrorId(error), error);
      if (isSidecarError(error)) return rpcErrorResponse(id, rpcErrorFromSidecar(error));
      deps.log.error({ err: error, ...c.get('logBindings') }, 'MCP request failed');
      return rpcErrorResponse(id, new RpcError(RPC_CODES.internalError, 'the sidecar failed to handle this request; see its log', { status: 500 }));
    }
  };

  function result(exchange: Exchange, body: Record<string, unknown>): string {
    return rpcResult(exchange.id, exchange.modern ? { ...body, resultType: 'complete', _meta: { [META.serverInfo]: serverInfo } } : body);
  }

  async function request(c: Context<SidecarEnv>, message: RpcMessage, exchange: Exchange): Promise<Response> {
    const params = message.params ?? {};
    switch (message.method) {
      case 'initialize': {
        if (exchange.modern) break;
        const offered = params.protocolVersion;
        const protocolVersion = typeof offered === 'string' && (LEGACY_VERSIONS as readonly string[]).includes(offered) ? offered : LEGACY_VERSIONS[0];
        const body = result(exchange, { protocolVersion, capabilities, serverInfo, instructions: instructions() });
        return jsonResponse(body, 200, { [SESSION_HEADER]: `mcp-${randomUUID()}` });
      }
      case 'ping':
        if (exchange.modern) break;
        return jsonResponse(result(exchange, {}));
      case 'server/discover':
        if (!exchange.modern) break;
        return jsonResponse(result(exchange, { supportedVersions: SUPPORTED_VERSIONS, capabilities, instructions: instructions(), ttlMs: LIST_TTL_MS, cacheScope: 'public' }));
      case 'tools/list':
        return jsonResponse(result(exchange, { tools: [tool.definition], ...(exchange.modern && { ttlMs: LIST_TTL_MS, cacheScope: 'public' }) }));
      case 'tools/call':
        return callTool(c, params, exchange);
    }
    throw new RpcError(RPC_CODES.methodNotFound, `method "${message.method}" is not served here: this server offers one tool (tools/list, tools/call)`, {
      status: exchange.modern ? 404 : 200,
    });
  }

  function notification(c: Context<SidecarEnv>, message: RpcMessage): Response {
    if (message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      const session = requestHeader(c, SESSION_HEADER);
      if (session !== undefined && (typeof requestId === 'string' || typeof requestId === 'number')) {
        inFlight.get(cancelKey(session, requestId))?.(new SidecarError('cancelled', `the client cancelled the call${typeof message.params?.reason === 'string' ? `: ${message.params.reason}` : ''}`));
      }
    }
    // Other notifications (initialized, progress of a client) need nothing from a stateless server.
    return new Response(null, { status: 202 });
  }

  async function callTool(c: Context<SidecarEnv>, params: Record<string, unknown>, exchange: Exchange): Promise<Response> {
    if (params.name !== tool.name) throw new RpcError(RPC_CODES.invalidParams, `unknown tool "${String(params.name)}": this server has one tool, "${tool.name}"`);
    const args = params.arguments ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new RpcError(RPC_CODES.invalidParams, 'arguments must be an object');
    deps.lifecycle.assertAcceptingWork();
    const timeoutMs = resolveTimeoutMs(requestHeader(c, HEADERS.timeoutMs), deps.limits);
    let input: unknown;
    try {
      input = deps.executor.validateInput(tool.inputOf(args as Record<string, unknown>));
    } catch (error) {
      // Invalid arguments are a tool error the model can read and correct, not a protocol error.
      if (isSidecarError(error)) return jsonResponse(result(exchange, toolError(error)));
      throw error;
    }
    const meta = params._meta as Record<string, unknown> | undefined;
    const progressToken = meta?.progressToken;
    const wantsProgress = (typeof progressToken === 'string' || typeof progressToken === 'number') && (requestHeader(c, 'accept') ?? '').includes('text/event-stream');
    const run = syncRunRequest(c, { input, sessionId: undefined, metadata: {}, timeoutMs });
    const answer = new ResponseStream({ [HEADERS.runId]: run.runId });
    if (wantsProgress) {
      let progress = 0;
      run.events.subscribe((event) => {
        const note = progressMessage(event);
        if (note !== undefined) answer.send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, progress: (progress += 1), message: note } });
      });
    }
    const session = requestHeader(c, SESSION_HEADER);
    const key = session !== undefined && !exchange.modern ? cancelKey(session, exchange.id) : undefined;
    let cancelledByClient = false;
    const done = deps.lifecycle.track();
    void deps.executor
      .execute({
        ...run,
        signals: [],
        bindAbort: (abort) => {
          onCallerGone(c)(abort);
          if (key) {
            inFlight.set(key, (reason) => {
              cancelledByClient = true;
              abort(reason);
            });
          }
        },
      })
      .then(
        (outcome) => answer.finish(result(exchange, tool.resultOf(outcome.output))),
        (error: unknown) => {
          const failure = isSidecarError(error) ? error : new SidecarError('internal_error', 'the run failed unexpectedly', { cause: error, runId: run.runId });
          if (cancelledByClient) return answer.abandon();
          if (isCapacityError(failure) && !answer.streaming) {
            const rpc = rpcErrorFromSidecar(failure);
            return answer.finish(rpcErrorBody(exchange.id, { code: rpc.code, message: rpc.message, data: rpc.options.data }), rpc.options.status, rpc.options.headers);
          }
          return answer.finish(result(exchange, toolError(failure)));
        },
      )
      .finally(() => {
        if (key) inFlight.delete(key);
        done();
      });
    return answer.response;
  }

  function instructions(): string {
    return `${deps.descriptor.description || deps.agent.name} Call the tool "${tool.name}" with arguments matching its inputSchema.`;
  }
}

/** Capacity and lifecycle refusals (retryable, nothing ran) stay protocol errors with their HTTP status; the rest are tool errors. */
function isCapacityError(error: SidecarError): boolean {
  return error.code === 'overloaded' || error.code === 'draining' || error.code === 'not_ready';
}

function toolError(error: SidecarError) {
  const issues = error.issues?.length ? `\n${error.issues.map((issue) => `- ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n')}` : '';
  return {
    content: [{ type: 'text', text: `${error.code}: ${error.message}${issues}` }],
    isError: true,
    _meta: { 'dev.squire/problem': error.toProblem() },
  };
}

function progressMessage(event: RunEvent): string | undefined {
  switch (event.type) {
    case 'run.progress':
      return typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
    case 'run.delta':
      return event.delta;
    case 'run.tool_call':
      return `calling ${event.name}`;
    case 'run.tool_result':
      return event.error === undefined ? `${event.name} answered` : `${event.name} failed: ${event.error}`;
    default:
      return undefined;
  }
}

function cancelKey(session: string, requestId: string | number): string {
  return `${session}\u0000${typeof requestId}:${requestId}`;
}

/** 2026-07-28: the version must be served, match `MCP-Protocol-Version`, and the method and name headers must match the body. */
function checkModernRequest(c: Context<SidecarEnv>, message: RpcMessage, version: string): void {
  if (version !== MODERN_VERSION) {
    throw new RpcError(MCP_CODES.unsupportedProtocolVersion, `Unsupported protocol version: ${version}`, { status: 400, data: { supported: SUPPORTED_VERSIONS, requested: version } });
  }
  const mismatch = (detail: string) => new RpcError(MCP_CODES.headerMismatch, `Header mismatch: ${detail}`, { status: 400 });
  const header = requestHeader(c, 'mcp-protocol-version');
  if (header !== version) throw mismatch(`MCP-Protocol-Version header ${header === undefined ? 'is missing' : `'${header}'`} does not match body value '${version}'`);
  const method = requestHeader(c, 'mcp-method');
  if (method !== message.method) throw mismatch(`Mcp-Method header ${method === undefined ? 'is missing' : `'${method}'`} does not match body value '${message.method}'`);
  if (message.method === 'tools/call') {
    const name = requestHeader(c, 'mcp-name');
    const decoded = name === undefined ? undefined : decodeHeaderValue(name);
    if (decoded !== message.params?.name) throw mismatch(`Mcp-Name header ${name === undefined ? 'is missing' : `'${name}'`} does not match body value '${String(message.params?.name)}'`);
  }
  const meta = message.params?._meta as Record<string, unknown>;
  if (typeof meta[META.clientCapabilities] !== 'object' || meta[META.clientCapabilities] === null) {
    throw new RpcError(RPC_CODES.invalidParams, `_meta["${META.clientCapabilities}"] is required (an empty object declares none)`, { status: 400 });
  }
}

/** 2025 revisions: a `MCP-Protocol-Version` header, when sent, must name one we serve (none means 2025-03-26). */
function checkLegacyHeader(c: Context<SidecarEnv>): void {
  const header = requestHeader(c, 'mcp-protocol-version');
  if (header === undefined || (LEGACY_VERSIONS as readonly string[]).includes(header)) return;
  throw new RpcError(RPC_CODES.invalidRequest, `Bad Request: unsupported MCP-Protocol-Version "${header}"; this server speaks ${SUPPORTED_VERSIONS.join(', ')}`, {
    status: 400,
    data: { supported: SUPPORTED_VERSIONS, requested: header },
  });
}
