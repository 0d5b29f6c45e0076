/**
 * @module
 * OpenAPI 3.1 of contract v1, generated from the contract's own zod schemas so
 * the document can never drift from what the sidecar validates. A sidecar
 * passes its agent's input and output JSON Schemas to specialise it.
 */
import { z } from 'zod';
import { AgentDescriptorSchema } from './descriptor.js';
import { ProblemSchema } from './problem.js';
import { InvokeResultSchema, InvokeRequestSchema } from './invoke.js';
import { CreateRunResponseSchema, ResumeRequestSchema, RunListSchema, RunRecordSchema } from './runs.js';
import { RunEventSchema } from './events.js';
import { SessionSchema } from './sessions.js';
import { CONTRACT_VERSION } from './headers.js';

type JsonSchema = Record<string, unknown>;

export interface OpenApiOptions {
  title: string;
  version: string;
  description?: string;
  /** JSON Schema of the agent's input; the generic contract uses `{}` (anything). */
  inputSchema?: JsonSchema;
  /** JSON Schema of the agent's output. */
  outputSchema?: JsonSchema;
}

function toSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'output' });
  delete (json as { $schema?: unknown }).$schema;
  return json as JsonSchema;
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const commonErrors = {
  '400': problemResponse('invalid_json, invalid_input (with issues) or invalid_request'),
  '401': problemResponse('unauthorized: missing or wrong bearer token'),
  '413': problemResponse('body_too_large'),
  '415': problemResponse('unsupported_media_type'),
  '429': problemResponse('overloaded, with Retry-After'),
  '500': problemResponse('agent_error'),
  '502': problemResponse('upstream_error'),
  '503': problemResponse('draining or not_ready, with Retry-After'),
  '504': problemResponse('deadline_exceeded'),
};

const headerParams = [
  { name: 'Squire-Timeout-Ms', in: 'header', schema: { type: 'integer', minimum: 1 }, description: "The caller's remaining budget in milliseconds." },
  { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 } },
  { name: 'traceparent', in: 'header', schema: { type: 'string' } },
];

/** Builds the OpenAPI 3.1 document of contract v1. */
export function buildOpenApiDocument(options: OpenApiOptions): JsonSchema {
  const invokeRequest = toSchema(InvokeRequestSchema);
  const invokeResult = toSchema(InvokeResultSchema);
  const properties = (invokeRequest.properties ?? {}) as Record<string, unknown>;
  properties.input = options.inputSchema ?? {};
  const resultProperties = (invokeResult.properties ?? {}) as Record<string, unknown>;
  resultProperties.output = options.outputSchema ?? {};
  const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
  const runIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

  return {
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      description: options.description ?? '',
      'x-squire-contract': CONTRACT_VERSION,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Problem: toSchema(ProblemSchema),
        InvokeRequest: invokeRequest,
        InvokeResult: invokeResult,
        AgentDescriptor: toSchema(AgentDescriptorSchema),
        RunRecord: toSchema(RunRecordSchema),
        ResumeRequest: toSchema(ResumeRequestSchema),
        RunList: toSchema(RunListSchema),
        CreateRunResponse: toSchema(CreateRunResponseSchema),
        RunEvent: toSchema(RunEventSchema),
        Session: toSchema(SessionSchema),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'serving' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness',
          security: [],
          responses: { '200': { description: 'takes work' }, '503': problemResponse('starting, draining or not ready') },
        },
      },
      '/v1/agent': { get: { summary: 'Agent descriptor', responses: { '200': { description: 'descriptor', content: json('AgentDescriptor') } } } },
      '/v1/invoke': {
        post: {
          summary: 'Run once and answer with the result (or stream it as SSE)',
          parameters: [
            ...headerParams,
            {
              name: 'Squire-Max-Retries',
              in: 'header',
              schema: { type: 'integer', minimum: 0, maximum: 999 },
              description: "Retries the caller still allows: the run's model retries stay within it (and within --llm-max-retries), and the caller does not retry upstream_error or rate_limited again.",
            },
          ],
          requestBody: { required: true, content: json('InvokeRequest') },
          responses: {
            '200': {
              description: 'the result, or an SSE stream of RunEvent with Accept: text/event-stream',
              content: { ...json('InvokeResult'), 'text/event-stream': { schema: { $ref: '#/components/schemas/RunEvent' } } },
            },
            '422': problemResponse('idempotency_key_reused'),
            ...commonErrors,
          },
        },
      },
      '/v1/runs': {
        post: {
          summary: 'Start a durable background run',
          parameters: headerParams,
          requestBody: { required: true, content: json('InvokeRequest') },
          responses: { '202': { description: 'on disk', content: json('CreateRunResponse') }, '422': problemResponse('idempotency_key_reused'), ...commonErrors },
        },
        get: {
          summary: 'List runs',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string' } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
          ],
          responses: { '200': { description: 'a page of runs', content: json('RunList') } },
        },
      },
      '/v1/runs/{id}': { get: { parameters: [runIdParam], responses: { '200': { description: 'run record', content: json('RunRecord') }, '404': problemResponse('not_found') } } },
      '/v1/runs/{id}/events': {
        get: {
          parameters: [runIdParam, { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } }],
          responses: { '200': { description: 'SSE stream', content: { 'text/event-stream': { schema: { $ref: '#/components/schemas/RunEvent' } } } }, '404': problemResponse('not_found') },
        },
      },
      '/v1/runs/{id}/cancel': { post: { parameters: [runIdParam], responses: { '200': { description: 'run record', content: json('RunRecord') }, '404': problemResponse('not_found') } } },
      '/v1/runs/{id}/resume': {
        post: {
          summary: 'Answer a run paused for input (status input_required) with a decision; it is queued again',
          parameters: [runIdParam],
          requestBody: { required: true, content: json('ResumeRequest') },
          responses: {
            '200': { description: 'run record', content: json('RunRecord') },
            '400': problemResponse('invalid_request'),
            '404': problemResponse('not_found'),
            '409': problemResponse('conflict: the run is not waiting for a decision (answered already, cancelled, finished)'),
          },
        },
      },
      '/v1/sessions/{id}': {
        get: { parameters: [runIdParam], responses: { '200': { description: 'session', content: json('Session') } } },
        delete: { parameters: [runIdParam], responses: { '204': { description: 'forgotten' } } },
      },
      '/metrics': { get: { summary: 'Prometheus exposition', responses: { '200': { description: 'text/plain; version=0.0.4' } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
  };
}
