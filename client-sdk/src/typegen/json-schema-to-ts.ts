/**
 * @module
 * Turns the JSON Schemas a sidecar publishes in `GET /v1/agent` into
 * TypeScript, so an application can type calls to a sidecar whose source it
 * does not have. It covers what zod's `toJSONSchema` emits (objects,
 * arrays, tuples, records, enums, consts, unions, intersections, nullable
 * type lists, `$ref` into `$defs`, recursive definitions); anything it cannot
 * express becomes `unknown`, never a wrong type.
 */

type Schema = boolean | Record<string, unknown>;

/** One self-contained schema document rendered as TypeScript declarations. */
export interface RenderedSchema {
  /** `export type <name> = ...;` plus one `type` per `$defs` entry. */
  declarations: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A PascalCase TypeScript identifier from any text (`my-agent` → `MyAgent`). */
export function typeName(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
  if (joined === '') return 'Agent';
  return /^[0-9]/.test(joined) ? `Agent${joined}` : joined;
}

/**
 * Renders `schema` as `export type <name> = …`. `$ref`s to `#/$defs/X`
 * become local types named `<name>X`, so two documents rendered into one
 * module never collide.
 */
export function renderSchema(name: string, schema: Schema): RenderedSchema {
  const defs = typeof schema === 'object' && isRecord(schema.$defs) ? schema.$defs : {};
  const defName = (key: string) => `${name}${typeName(key)}`;
  const render = (node: Schema, depth: number): string => renderNode(node, depth, defName);
  const lines = [`export type ${name} = ${render(schema, 0)};`];
  for (const [key, definition] of Object.entries(defs)) {
    lines.push(`export type ${defName(key)} = ${render(definition as Schema, 0)};`);
  }
  return { declarations: lines.join('\n') };
}

function renderNode(node: Schema, depth: number, defName: (key: string) => string): string {
  if (node === true) return 'unknown';
  if (node === false) return 'never';
  if (!isRecord(node)) return 'unknown';
  const render = (child: unknown) => renderNode(child as Schema, depth + 1, defName);

  if (typeof node.$ref === 'string') {
    const match = /^#\/\$defs\/(.+)$/.exec(node.$ref);
    return match ? defName(decodeURIComponent(match[1]!)) : 'unknown';
  }
  if ('const' in node) return literal(node.const);
  if (Array.isArray(node.enum)) return union(node.enum.map(literal));
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(node[key])) return union((node[key] as unknown[]).map(render));
  }
  if (Array.isArray(node.allOf)) return (node.allOf as unknown[]).map((part) => `(${render(part)})`).join(' & ') || 'unknown';

  const types = Array.isArray(node.type) ? (node.type as unknown[]) : node.type === undefined ? undefined : [node.type];
  if (types === undefined) {
    // No `type`: infer the obvious cases, otherwise anything goes.
    if (isRecord(node.properties) || node.additionalProperties !== undefined) return renderObject(node, depth, defName);
    if (node.items !== undefined || node.prefixItems !== undefined) return renderArray(node, depth, defName);
    return 'unknown';
  }
  return union(
    types.map((type) => {
      switch (type) {
        case 'string':
          return 'string';
        case 'number':
        case 'integer':
          return 'number';
        case 'boolean':
          return 'boolean';
        case 'null':
          return 'null';
        case 'array':
          return renderArray(node, depth, defName);
        case 'object':
          return renderObject(node, depth, defName);
        default:
          return 'unknown';
      }
    }),
  );
}

function renderArray(node: Record<string, unknown>, depth: number, defName: (key: string) => string): string {
  const render = (child: unknown) => renderNode(child as Schema, depth + 1, defName);
  if (Array.isArray(node.prefixItems)) {
    const fixed = (node.prefixItems as unknown[]).map(render);
    const rest = node.items === false || node.items === undefined ? [] : [`...Array<${render(node.items)}>`];
    return `[${[...fixed, ...rest].join(', ')}]`;
  }
  return node.items === undefined ? 'unknown[]' : `Array<${render(node.items)}>`;
}

function renderObject(node: Record<string, unknown>, depth: number, defName: (key: string) => string): string {
  const render = (child: unknown) => renderNode(child as Schema, depth + 1, defName);
  const properties = isRecord(node.properties) ? node.properties : {};
  const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
  const indent = '  '.repeat(depth + 1);
  const members = Object.entries(properties).map(([key, value]) => {
    const description = isRecord(value) && typeof value.description === 'string' ? `${indent}/** ${value.description.replace(/\*\//g, '* /')} */\n` : '';
    const property = IDENTIFIER.test(key) ? key : JSON.stringify(key);
    return `${description}${indent}${property}${required.has(key) ? '' : '?'}: ${render(value)};`;
  });
  const extra = node.additionalProperties;
  if (extra !== undefined && extra !== false) {
    // TypeScript wants every declared property to fit the index signature,
    // so next to declared properties the extra ones can only be `unknown`.
    const valueType = extra === true || Object.keys(properties).length > 0 ? 'unknown' : render(extra);
    members.push(`${indent}[key: string]: ${valueType};`);
  }
  if (members.length === 0) return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  return `{\n${members.join('\n')}\n${'  '.repeat(depth)}}`;
}

function literal(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function union(members: string[]): string {
  const unique = [...new Set(members)];
  if (unique.length === 0) return 'never';
  if (unique.includes('unknown')) return 'unknown';
  return unique.length === 1 ? unique[0]! : unique.map((member) => (member.includes('\n') ? `(${member})` : member)).join(' | ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
