/**
 * @module
 * An agent's zod schemas as JSON Schema (draft 2020-12), converted once per
 * schema: the descriptor, the OpenAPI document and every model call of an
 * LLM agent (tools, structured output) share the result. Converting costs a
 * fraction of a millisecond that each run would otherwise pay before its
 * first model call. Callers only read what they get.
 */
import { z } from 'zod';

const converted = { input: new WeakMap<z.ZodType, Record<string, unknown>>(), output: new WeakMap<z.ZodType, Record<string, unknown>>() };

export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  let json = converted[io].get(schema);
  if (!json) {
    json = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io }) as Record<string, unknown>;
    delete json.$schema;
    converted[io].set(schema, json);
  }
  return json;
}
