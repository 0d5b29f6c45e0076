/**
 * @module
 * A JSON Schema as something to read: a table of properties (name, type,
 * required, description), nested objects inside, `$ref`s as links to the
 * named schema. The raw JSON stays one click away.
 */
import { h } from './dom.js';
import { schemaLabel } from './openapi-model.js';

/** @typedef {{ onRef?: (name: string) => void, depth?: number }} SchemaViewOptions */

const MAX_NESTING = 4;

/** @param {unknown} value @returns {value is Record<string, any>} */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * @param {unknown} schema
 * @param {SchemaViewOptions} [options]
 * @returns {HTMLElement}
 */
export function schemaView(schema, options = {}) {
  const depth = options.depth ?? 0;
  const objectSchema = objectOf(schema);
  const body = objectSchema ? propertyTable(objectSchema, { ...options, depth }) : h('p', null, typeCell(schema, options));
  const description = isObject(schema) && typeof schema.description === 'string' ? h('p', { class: 'hint' }, schema.description) : null;
  return h('div', { class: 'schema' }, description, body, depth === 0 ? rawJson(schema) : null);
}

/**
 * The object whose properties to list: the schema itself, or its array items.
 * @param {unknown} schema
 * @returns {Record<string, any> | undefined}
 */
function objectOf(schema) {
  if (!isObject(schema)) return undefined;
  if (isObject(schema.properties) && Object.keys(schema.properties).length > 0) return schema;
  if (schema.type === 'array' && isObject(schema.items) && isObject(schema.items.properties)) return schema.items;
  return undefined;
}

/**
 * @param {Record<string, any>} schema
 * @param {SchemaViewOptions & { depth: number }} options
 * @returns {HTMLTableElement}
 */
function propertyTable(schema, options) {
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const rows = Object.entries(/** @type {Record<string, unknown>} */ (schema.properties)).map(([name, property]) => /** @type {HTMLTableRowElement} */ {
    const nested = options.depth < MAX_NESTING ? objectOf(property) : undefined;
    const notes = [
      isObject(property) && typeof property.description === 'string' ? property.description : '',
      isObject(property) && property.default !== undefined ? `Default: ${JSON.stringify(property.default)}.` : '',
    ].filter(Boolean).join(' ');
    return h(
      'tr',
      null,
      h('th', { scope: 'row' }, h('code', null, name)),
      h('td', null, typeCell(property, options), nested ? h('details', { class: 'nested-schema' }, h('summary', null, 'fields'), propertyTable(nested, { ...options, depth: options.depth + 1 })) : null),
      h('td', null, required.has(name) ? 'yes' : h('span', { class: 'muted' }, 'no')),
      h('td', null, notes),
    );
  });
  return h(
    'table',
    { class: 'props' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Property'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Required'), h('th', { scope: 'col' }, 'Notes'))),
    h('tbody', null, rows),
  );
}

/**
 * A type label; a `$ref` becomes a button that shows the named schema.
 * @param {unknown} schema
 * @param {SchemaViewOptions} options
 */
export function typeCell(schema, options) {
  const ref = isObject(schema) ? (typeof schema.$ref === 'string' ? schema.$ref : isObject(schema.items) && typeof schema.items.$ref === 'string' ? schema.items.$ref : undefined) : undefined;
  const name = ref?.split('/').pop();
  if (ref && name && options.onRef && ref.startsWith('#/components/schemas/')) {
    const onRef = options.onRef;
    const link = h('button', { type: 'button', class: 'link', onclick: () => onRef(name) }, name);
    return isObject(schema) && schema.type === 'array' ? h('code', null, 'array of ', link) : h('code', null, link);
  }
  return h('code', null, schemaLabel(schema));
}

/** @param {unknown} schema */
function rawJson(schema) {
  return h('details', { class: 'raw' }, h('summary', null, 'JSON Schema'), h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(schema, null, 2)));
}
