import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderSchema, typeName } from './json-schema-to-ts.js';

// The same conversion the sidecar uses for its descriptor.
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io }) as Record<string, unknown>;

interface TreeNode {
  name: string;
  children: TreeNode[];
}
const Tree: z.ZodType<TreeNode> = z.object({ name: z.string(), get children() { return z.array(Tree); } });

const Everything = z.object({
  text: z.string().describe('free text */ with a comment terminator'),
  count: z.number().int().optional(),
  mode: z.enum(['fast', 'slow']),
  tags: z.array(z.string()).max(3),
  maybe: z.string().nullable(),
  scores: z.record(z.string(), z.number()),
  pair: z.tuple([z.string(), z.number()]),
  version: z.literal(2),
  withDefault: z.number().default(5),
  tree: Tree,
  shape: z.discriminatedUnion('kind', [z.object({ kind: z.literal('circle'), r: z.number() }), z.object({ kind: z.literal('square'), side: z.number() })]),
  'content-type': z.string(),
  loose: z.object({ id: z.string() }).passthrough(),
  anything: z.unknown(),
});

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Type-checks `usage` against the generated declarations; returns the compiler's messages. */
function typecheck(declarations: string, usage: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'squire-typegen-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'types.ts'), declarations);
  writeFileSync(join(dir, 'usage.ts'), `import type * as T from './types.js';\n${usage}`);
  const program = ts.createProgram([join(dir, 'usage.ts')], {
    strict: true,
    noEmit: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

describe('renderSchema', () => {
  it('renders what zod emits as TypeScript that accepts right values and rejects wrong ones', () => {
    const input = renderSchema('EInput', jsonSchema(Everything, 'input')).declarations;
    const output = renderSchema('EOutput', jsonSchema(Everything, 'output')).declarations;
    const usage = `
const ok: T.EInput = {
  text: 'a', mode: 'fast', tags: ['x'], maybe: null, scores: { a: 1 }, pair: ['p', 1], version: 2,
  tree: { name: 'root', children: [{ name: 'leaf', children: [] }] },
  shape: { kind: 'circle', r: 1 }, 'content-type': 'json', loose: { id: '1', extra: true }, anything: [1],
};
const out: T.EOutput = { ...ok, withDefault: 5 };
// @ts-expect-error: mode is an enum
const badMode: T.EInput = { ...ok, mode: 'medium' };
// @ts-expect-error: a tuple of string and number
const badPair: T.EInput = { ...ok, pair: [1, 'p'] };
// @ts-expect-error: the union's members do not mix
const badShape: T.EInput = { ...ok, shape: { kind: 'circle', side: 1 } };
// @ts-expect-error: recursive children must be nodes
const badTree: T.EInput = { ...ok, tree: { name: 'root', children: [{ name: 1, children: [] }] } };
// @ts-expect-error: a default makes the field optional on input only
const missingDefault: T.EOutput = ok;
// @ts-expect-error: text is required
const noText: T.EInput = { ...ok, text: undefined };
export { ok, out, badMode, badPair, badShape, badTree, missingDefault, noText };
`;
    expect(typecheck(`${input}\n${output}\n`, usage)).toEqual([]);
    expect(input).toContain('/** free text * / with a comment terminator */');
    expect(input).toContain('"content-type": string;');
  });

  it('falls back to unknown for what it cannot express, never to a wrong type', () => {
    expect(renderSchema('A', { $ref: 'https://example.com/elsewhere.json' }).declarations).toBe('export type A = unknown;');
    expect(renderSchema('A', { type: 'string', not: { const: 'x' } }).declarations).toBe('export type A = string;');
    expect(renderSchema('A', true).declarations).toBe('export type A = unknown;');
    expect(renderSchema('A', { anyOf: [{ type: 'string' }, {}] }).declarations).toBe('export type A = unknown;');
  });
});

describe('typeName', () => {
  it('makes a PascalCase identifier of any agent name', () => {
    expect(typeName('my-agent.v2')).toBe('MyAgentV2');
    expect(typeName('3d-render')).toBe('Agent3dRender');
    expect(typeName('---')).toBe('Agent');
  });
});
