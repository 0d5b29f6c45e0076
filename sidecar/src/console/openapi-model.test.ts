import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../agent/define-agent.js';
import { createTestSidecar } from '../testing/index.js';
import { RESUME_PATH, listOperations, resumeRoute, schemaLabel } from './assets/openapi-model.js';

// A scalar input and output: the document's agent schemas need not be objects.
const shout = defineAgent({ name: 'shout', version: '1.0.0', input: z.string(), output: z.string(), run: ({ input }) => input.toUpperCase() });

async function sidecarOpenApi(): Promise<Record<string, unknown>> {
  const response = await createTestSidecar(shout).app.request('/openapi.json');
  return (await response.json()) as Record<string, unknown>;
}

describe('listOperations', () => {
  it("lists every operation of the sidecar's own document, in document order, with the probes public", async () => {
    const document = await sidecarOpenApi();
    const operations = listOperations(document);
    const expected = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.map((operation) => `${operation.method} ${operation.path}`)).toEqual(expected);
    expect(operations.filter((operation) => operation.public).map((operation) => operation.path)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    expect(operations.find((operation) => operation.path === '/v1/agent')?.public).toBe(false);
  });

  it('resolves referenced parameters, bodies and responses', () => {
    const document = {
      paths: { '/x/{id}': { parameters: [{ $ref: '#/components/parameters/Id' }], post: { requestBody: { $ref: '#/components/requestBodies/B' }, responses: { '200': { $ref: '#/components/responses/Ok' } } } } },
      components: {
        parameters: { Id: { name: 'id', in: 'path', required: true, schema: { type: 'string' } } },
        requestBodies: { B: { required: true, content: { 'application/json': { schema: { type: 'object' } } } } },
        responses: { Ok: { description: 'fine', content: { 'application/json': { schema: { $ref: '#/components/schemas/S' } } } } },
      },
    };
    const [operation] = listOperations(document);
    expect(operation).toMatchObject({
      method: 'POST',
      parameters: [{ name: 'id', in: 'path', required: true }],
      requestBody: { required: true, contentTypes: ['application/json'], schema: { type: 'object' } },
      responses: [{ status: '200', description: 'fine', schema: { $ref: '#/components/schemas/S' } }],
      public: true,
    });
  });
});

describe('resumeRoute', () => {
  it("is found on the sidecar's own contract, with the ResumeRequest body, and absent from a document without the route", async () => {
    const document = await sidecarOpenApi();
    expect(resumeRoute(document)).toEqual({ schema: { $ref: '#/components/schemas/ResumeRequest' } });
    const paths = { ...(document.paths as Record<string, unknown>) };
    delete paths[RESUME_PATH];
    expect(resumeRoute({ ...document, paths })).toBeUndefined();
  });

  it('is found, with its body schema, when the document has the route', async () => {
    const document = await sidecarOpenApi();
    const body = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const paths = { ...(document.paths as object), [RESUME_PATH]: { post: { requestBody: { content: { 'application/json': { schema: body } } }, responses: {} } } };
    expect(resumeRoute({ ...document, paths })).toEqual({ schema: body });
  });
});

describe('schemaLabel', () => {
  it('names types, references, unions, enums, arrays and maps on one line', () => {
    expect(schemaLabel({ type: 'integer', minimum: 1, maximum: 500 })).toBe('integer (≥ 1, ≤ 500)');
    expect(schemaLabel({ type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER })).toBe('integer');
    expect(schemaLabel({ $ref: '#/components/schemas/RunRecord' })).toBe('RunRecord');
    expect(schemaLabel({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toBe('string | null');
    expect(schemaLabel({ enum: ['a', 'b'] })).toBe('"a" | "b"');
    expect(schemaLabel({ type: 'array', items: { type: 'string' } })).toBe('array of string');
    expect(schemaLabel({ type: 'object', additionalProperties: { type: 'string' } })).toBe('map of string');
    expect(schemaLabel({})).toBe('any');
  });
});
