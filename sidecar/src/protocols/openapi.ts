/**
 * @module
 * The protocol endpoints in the OpenAPI document: their paths, methods and
 * what they answer, pointing at each protocol's own specification for the
 * message shapes (JSON-RPC bodies are not described by OpenAPI well).
 */
import type { ProtocolName } from '../config.js';
import type { HttpMethod, RouteSpec } from '../http/route-table.js';

const jsonRpc = (operationId: string, summary: string, spec: string) => ({
  operationId,
  summary,
  externalDocs: { url: spec },
  requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/JsonRpcRequest' } } } },
  responses: {
    '200': { description: 'a JSON-RPC response, or an SSE stream of them', content: { 'application/json': {}, 'text/event-stream': {} } },
    '202': { description: 'a notification was accepted' },
    '400': { description: 'JSON-RPC error (parse error, invalid request, unsupported version, header mismatch)' },
    '401': { description: 'JSON-RPC error: missing or wrong bearer token' },
    '403': { description: 'JSON-RPC error: Host or Origin not allowed' },
    '413': { description: 'JSON-RPC error: body too large' },
  },
});

const PATHS: Record<ProtocolName, Record<string, unknown>> = {
  mcp: {
    '/mcp': {
      post: jsonRpc('mcp', 'MCP streamable HTTP (2026-07-28, 2025-11-25, 2025-06-18, 2025-03-26): the agent as one tool', 'https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http'),
    },
  },
  a2a: {
    '/.well-known/agent-card.json': { get: { operationId: 'getA2aAgentCard', summary: 'A2A 1.0 agent card', security: [], responses: { '200': { description: 'the agent card', content: { 'application/json': {} } } } } },
    '/a2a': { post: { ...jsonRpc('a2a', 'A2A 1.0 JSON-RPC binding: tasks are durable runs', 'https://a2a-protocol.org/v1.0.0/specification/'), parameters: [{ name: 'A2A-Version', in: 'header', required: true, schema: { type: 'string', enum: ['1.0'] } }, { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' }, description: 'SubscribeToTask: resume after this squire_event_id' }] } },
  },
  openai: {
    '/v1/chat/completions': {
      post: {
        operationId: 'createChatCompletion',
        summary: 'OpenAI-compatible chat completion (JSON, or SSE chunks ending with [DONE] when stream is true)',
        externalDocs: { url: 'https://platform.openai.com/docs/api-reference/chat/create' },
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['model', 'messages'] } } } },
        responses: { '200': { description: 'chat.completion, or chat.completion.chunk events', content: { 'application/json': {}, 'text/event-stream': {} } }, default: { description: "OpenAI's error object" } },
      },
    },
    '/v1/models': { get: { operationId: 'listModels', summary: 'The agent as the one model', responses: { '200': { description: 'model list' } } } },
    '/v1/models/{model}': { get: { operationId: 'getModel', summary: 'The agent as a model', parameters: [{ name: 'model', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'model' } } } },
  },
};

/** The enabled protocols' routes, for the route table: one per documented operation, named by its `operationId`. */
export function protocolRoutes(enabled: readonly ProtocolName[]): RouteSpec[] {
  return enabled.flatMap((name) =>
    Object.entries(PATHS[name]).flatMap(([path, operations]) =>
      Object.entries(operations as Record<string, { operationId: string }>).map(([method, operation]) => ({
        method: method.toUpperCase() as HttpMethod,
        path,
        operation: operation.operationId,
      })),
    ),
  );
}

/** Adds the enabled protocols' paths (and the JSON-RPC request shape) to an OpenAPI document. */
export function withProtocolPaths(document: Record<string, unknown>, enabled: readonly ProtocolName[]): Record<string, unknown> {
  if (enabled.length === 0) return document;
  const paths = { ...(document.paths as Record<string, unknown>) };
  for (const name of enabled) Object.assign(paths, PATHS[name]);
  const components = document.components as { schemas: Record<string, unknown> };
  const jsonRpcRequest = { type: 'object', required: ['jsonrpc', 'method'], properties: { jsonrpc: { const: '2.0' }, id: { type: ['string', 'number'] }, method: { type: 'string' }, params: { type: 'object' } } };
  return { ...document, paths, components: { ...components, schemas: { ...components.schemas, JsonRpcRequest: jsonRpcRequest } } };
}
