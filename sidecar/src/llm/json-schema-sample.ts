/**
 * @module
 * Builds a value that satisfies a JSON Schema (the subset zod emits: objects,
 * arrays, strings with length and enum, numbers with bounds, booleans,
 * nullable, unions). The offline model uses it for structured output and
 * tool arguments, filling strings from `hints` (words of the conversation).
 */
type Schema = Record<string, unknown>;

export interface SampleHints {
  /** Text to use for free-form strings. */
  text: string;
  /** Preferred values by property name (e.g. a city found in the prompt). */
  byName?: Record<string, unknown>;
  /** A number seen in the prompt, for numeric fields. */
  number?: number;
}

export function sampleFromSchema(schema: Schema, hints: SampleHints, name = '', depth = 0): unknown {
  if (depth > 8) return null;
  if (name && hints.byName && name in hints.byName) {
    const preferred = hints.byName[name];
    if (matchesType(schema, preferred)) return preferred;
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const variants = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) {
    const nonNull = variants.find((variant) => variant.type !== 'null') ?? variants[0]!;
    return sampleFromSchema(nonNull, hints, name, depth + 1);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return sampleFromSchema(schema.allOf[0] as Schema, hints, name, depth + 1);
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const result: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(properties)) result[key] = sampleFromSchema(property, hints, key, depth + 1);
      return result;
    }
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const items = (schema.items ?? {}) as Schema;
      return Array.from({ length: Math.max(min, 1) }, () => sampleFromSchema(items, hints, name, depth + 1));
    }
    case 'string':
      return sampleString(schema, hints.text);
    case 'integer':
      return clamp(Math.round(hints.number ?? 0), schema);
    case 'number':
      return clamp(hints.number ?? 0, schema);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return hints.text;
  }
}

function sampleString(schema: Schema, text: string): string {
  if (schema.format === 'date-time') return '2026-01-01T00:00:00.000Z';
  if (schema.format === 'email') return 'offline@example.com';
  if (schema.format === 'uri' || schema.format === 'url') return 'https://example.com/';
  if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  let value = text || 'offline';
  if (value.length < min) value = value.padEnd(min, '.');
  return value.slice(0, max);
}

function clamp(value: number, schema: Schema): number {
  const min = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : -Infinity;
  const max = typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum - 1 : Infinity;
  return Math.min(max, Math.max(min, value));
}

function matchesType(schema: Schema, value: unknown): boolean {
  const type = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.type === undefined) return true;
  if (typeof value === 'string') return type.includes('string');
  if (typeof value === 'number') return type.includes('number') || (type.includes('integer') && Number.isInteger(value));
  return false;
}
