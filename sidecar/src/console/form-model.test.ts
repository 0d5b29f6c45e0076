import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canShow, describeSchema, formatText, parseText, pathKey, resolveEmpty, resolvePointer } from './assets/form-model.js';
import type { Field, JsonField, ScalarField } from './assets/form-model.js';

const asInput = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
/** The field of a scalar (or raw-JSON) schema, as the parsing functions take it. */
function scalar(schema: unknown): ScalarField | JsonField {
  const field = describeSchema(schema);
  if (field.kind === 'object' || field.kind === 'array') throw new Error(`expected a scalar field, got ${field.kind}`);
  return field;
}
const kinds = (field: Field) => (field.kind === 'object' ? Object.fromEntries(field.properties.map((property) => [property.name, property.field.kind])) : field.kind);

describe('describeSchema', () => {
  it('gives each scalar kind, enums, arrays of scalars and nested objects their own field', () => {
    const field = describeSchema(
      asInput(
        z.object({
          text: z.string(),
          count: z.number().int(),
          ratio: z.number(),
          on: z.boolean(),
          mode: z.enum(['a', 'b']),
          tags: z.array(z.string()),
          owner: z.object({ name: z.string() }),
        }),
      ),
    );
    expect(kinds(field)).toEqual({ text: 'string', count: 'integer', ratio: 'number', on: 'boolean', mode: 'enum', tags: 'array', owner: 'object' });
  });

  it('marks required properties from the schema, optional ones (and defaults) as not required', () => {
    const field = describeSchema(asInput(z.object({ ms: z.number(), steps: z.number().default(1), note: z.string().optional() })));
    if (field.kind !== 'object') throw new Error('expected an object');
    expect(field.properties.map((property) => [property.name, property.required])).toEqual([['ms', true], ['steps', false], ['note', false]]);
    expect(field.properties[1]?.field.default).toBe(1);
  });

  it('reads nullable fields from a type list and from anyOf with null', () => {
    expect(describeSchema({ type: ['string', 'null'] })).toMatchObject({ kind: 'string', nullable: true });
    expect(describeSchema({ anyOf: [{ type: 'number' }, { type: 'null' }] })).toMatchObject({ kind: 'number', nullable: true });
    expect(describeSchema(asInput(z.string().nullable()))).toMatchObject({ kind: 'string', nullable: true });
  });

  it('turns unions of constants into an enum', () => {
    expect(describeSchema({ oneOf: [{ const: 'x' }, { const: 2 }] })).toMatchObject({ kind: 'enum', options: ['x', 2] });
  });

  it('resolves $ref through $defs and components, and stops at a cycle', () => {
    const root = { $defs: { Name: { type: 'string', maxLength: 10 } }, type: 'object', properties: { name: { $ref: '#/$defs/Name' } } };
    expect(describeSchema(root)).toMatchObject({ kind: 'object', properties: [{ name: 'name', field: { kind: 'string', maxLength: 10 } }] });
    const cyclic = { $defs: { Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } } } }, $ref: '#/$defs/Node' };
    expect(JSON.stringify(describeSchema(cyclic))).toContain('"kind":"json"');
  });

  it('falls back to raw JSON for what a form cannot show field by field', () => {
    expect(describeSchema({})).toMatchObject({ kind: 'json' });
    expect(describeSchema(asInput(z.array(z.object({ a: z.string() }))))).toMatchObject({ kind: 'json', reason: 'a list of structured items' });
    expect(describeSchema(asInput(z.union([z.string(), z.object({ a: z.number() })])))).toMatchObject({ kind: 'json', reason: 'one of several shapes' });
    expect(describeSchema(asInput(z.record(z.string(), z.number())))).toMatchObject({ kind: 'json' });
    expect(describeSchema({ type: 'array', prefixItems: [{ type: 'string' }] })).toMatchObject({ kind: 'json', reason: 'a tuple' });
  });

  it('uses a text area for long or unbounded strings and a typed input for formats', () => {
    expect(describeSchema({ type: 'string' })).toMatchObject({ multiline: true, inputType: 'text' });
    expect(describeSchema({ type: 'string', maxLength: 40 })).toMatchObject({ multiline: false });
    expect(describeSchema({ type: 'string', format: 'email' })).toMatchObject({ multiline: false, inputType: 'email' });
  });
});

describe('parseText and resolveEmpty', () => {
  const integer = scalar({ type: 'integer', minimum: 1, maximum: 5 });
  const number = scalar({ type: 'number' });
  const choice = scalar({ enum: ['a', null, 3] });

  it('parses numbers, checks integers and bounds', () => {
    expect(parseText(number, ' 2.5 ')).toEqual({ state: 'value', value: 2.5 });
    expect(parseText(number, 'abc')).toEqual({ state: 'error', message: 'enter a number' });
    expect(parseText(integer, '2.5')).toEqual({ state: 'error', message: 'enter a whole number' });
    expect(parseText(integer, '9')).toEqual({ state: 'error', message: 'must be at most 5' });
    expect(parseText(integer, '3')).toEqual({ state: 'value', value: 3 });
  });

  it('maps enum option indexes back to their values, null included', () => {
    expect(parseText(choice, '1')).toEqual({ state: 'value', value: null });
    expect(parseText(choice, '2')).toEqual({ state: 'value', value: 3 });
    expect(formatText(choice, 3)).toBe('2');
  });

  it('keeps whitespace in strings and reports bad JSON with the parser message', () => {
    expect(parseText(scalar({ type: 'string' }), '  ')).toEqual({ state: 'value', value: '  ' });
    expect(parseText(scalar({}), '{"a": 1}')).toEqual({ state: 'value', value: { a: 1 } });
    expect(parseText(scalar({}), '{oops')).toMatchObject({ state: 'error', message: expect.stringMatching(/^not valid JSON: /) });
  });

  it('leaves out empty optional fields, sends null or "" where the schema allows, else says required', () => {
    expect(resolveEmpty(number, false)).toEqual({ omit: true });
    expect(resolveEmpty(describeSchema({ type: ['number', 'null'] }), true)).toEqual({ value: null });
    expect(resolveEmpty(describeSchema({ type: 'string' }), true)).toEqual({ value: '' });
    expect(resolveEmpty(number, true)).toEqual({ error: 'required' });
  });
});

describe('canShow', () => {
  const field = describeSchema(asInput(z.object({ text: z.string(), tags: z.array(z.number()).optional(), owner: z.object({ name: z.string() }) })));

  it('accepts values the form can hold exactly', () => {
    expect(canShow(field, { text: 'a', tags: [1, 2], owner: { name: 'b' } })).toBe(true);
    expect(canShow(field, { text: 'a' })).toBe(true);
  });

  it('refuses unknown properties, wrong types and nulls the schema does not allow', () => {
    expect(canShow(field, { text: 'a', extra: 1 })).toBe(false);
    expect(canShow(field, { text: 1 })).toBe(false);
    expect(canShow(field, { text: 'a', tags: ['x'] })).toBe(false);
    expect(canShow(field, { text: null })).toBe(false);
    expect(canShow(field, [])).toBe(false);
  });
});

describe('pointers and paths', () => {
  it('resolves local JSON pointers with escapes, and nothing else', () => {
    const root = { components: { schemas: { 'a/b': { type: 'string' } } } };
    expect(resolvePointer(root, '#/components/schemas/a~1b')).toEqual({ type: 'string' });
    expect(resolvePointer(root, 'http://elsewhere/schema.json')).toBeUndefined();
    expect(resolvePointer(root, '#/components/missing/x')).toBeUndefined();
  });

  it('keys issue paths as dotted strings', () => {
    expect(pathKey(['owner', 'tags', 0])).toBe('owner.tags.0');
    expect(pathKey([])).toBe('');
  });
});
