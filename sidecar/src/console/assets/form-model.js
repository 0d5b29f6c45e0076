/**
 * @module
 * The pure half of the generated input form: a JSON Schema becomes a tree of
 * fields (objects, strings, numbers, integers, booleans, enums, arrays of
 * those scalars), and the text of a field becomes a JSON value and back. No
 * DOM here, so the rules are unit-tested without a browser. What the form
 * cannot show field by field (unions of shapes, arrays of objects, maps,
 * tuples, recursion past a depth) becomes a raw-JSON field, never a wrong one.
 */

/**
 * @typedef {string | number | boolean | null} Scalar
 * @typedef {{ title?: string, description?: string, default?: unknown, nullable: boolean }} Common
 * @typedef {Common & { kind: 'string', multiline: boolean, inputType: string, format?: string, minLength?: number, maxLength?: number }} StringField
 * @typedef {Common & { kind: 'number' | 'integer', minimum?: number, maximum?: number, exclusiveMinimum?: number, exclusiveMaximum?: number }} NumberField
 * @typedef {Common & { kind: 'boolean' }} BooleanField
 * @typedef {Common & { kind: 'enum', options: Scalar[] }} EnumField
 * @typedef {StringField | NumberField | BooleanField | EnumField} ScalarField
 * @typedef {Common & { kind: 'array', items: ScalarField, minItems?: number, maxItems?: number }} ArrayField
 * @typedef {{ name: string, required: boolean, field: Field }} Property
 * @typedef {Common & { kind: 'object', properties: Property[] }} ObjectField
 * @typedef {Common & { kind: 'json', reason: string }} JsonField
 * @typedef {ScalarField | ArrayField | ObjectField | JsonField} Field
 * @typedef {{ state: 'value', value: unknown } | { state: 'empty' } | { state: 'error', message: string }} Parsed
 * @typedef {{ value: unknown } | { omit: true } | { error: string }} Resolved
 */

const MAX_DEPTH = 12;
const SCALAR_KINDS = new Set(['string', 'number', 'integer', 'boolean', 'enum']);
const INPUT_TYPES = /** @type {Record<string, string>} */ ({ email: 'email', uri: 'url', url: 'url', date: 'date' });

/** @param {unknown} value @returns {value is Record<string, any>} */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** @param {unknown} value @returns {value is Scalar} */
const isScalar = (value) => value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** @param {unknown} schema */
const isNullSchema = (schema) => isObject(schema) && (schema.type === 'null' || (Array.isArray(schema.enum) && schema.enum.length === 1 && schema.enum[0] === null));

/**
 * The field a schema describes. `root` resolves `$ref`s (`#/$defs/…`, `#/components/schemas/…`).
 * @param {unknown} schema
 * @param {unknown} [root]
 * @param {number} [depth]
 * @returns {Field}
 */
export function describeSchema(schema, root = schema, depth = 0) {
  if (schema === true || (isObject(schema) && Object.keys(schema).length === 0)) return jsonField({}, 'any JSON value');
  if (!isObject(schema)) return jsonField({}, 'not a schema the form knows');
  if (depth > MAX_DEPTH) return jsonField(schema, 'nested too deeply for the form');
  const { $ref, ...rest } = schema;
  if (typeof $ref === 'string') {
    const target = resolvePointer(root, $ref);
    if (!isObject(target)) return jsonField(schema, `cannot resolve ${$ref}`);
    return describeSchema({ ...target, ...rest }, root, depth + 1);
  }
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants)) return describeVariants(schema, variants, root, depth);
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...own } = schema;
    return allOf.length === 1 ? describeSchema({ ...allOf[0], ...own }, root, depth + 1) : jsonField(schema, 'a combination of schemas');
  }
  const common = commonOf(schema);
  if (Array.isArray(schema.enum)) {
    return schema.enum.every(isScalar) ? { ...common, kind: 'enum', options: schema.enum, nullable: schema.enum.includes(null) } : jsonField(schema, 'an enum of structured values');
  }
  if ('const' in schema) return isScalar(schema.const) ? { ...common, kind: 'enum', options: [schema.const] } : jsonField(schema, 'a structured constant');
  let type = schema.type;
  if (Array.isArray(type)) {
    const concrete = type.filter((name) => name !== 'null');
    if (concrete.length !== 1) return jsonField(schema, `one of the types ${type.join(', ')}`);
    common.nullable = concrete.length < type.length;
    type = concrete[0];
  }
  if (type === undefined && isObject(schema.properties)) type = 'object';
  switch (type) {
    case 'string': {
      const format = typeof schema.format === 'string' ? schema.format : undefined;
      const inputType = (format && INPUT_TYPES[format]) ?? 'text';
      const multiline = inputType === 'text' && !format && (schema.maxLength === undefined || schema.maxLength > 200);
      return { ...common, kind: 'string', multiline, inputType, ...pick(schema, ['format', 'minLength', 'maxLength']) };
    }
    case 'number':
    case 'integer':
      return { ...common, kind: type, ...pick(schema, ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']) };
    case 'boolean':
      return { ...common, kind: 'boolean' };
    case 'object':
      return describeObject(schema, common, root, depth);
    case 'array': {
      if (schema.prefixItems !== undefined) return jsonField(schema, 'a tuple');
      const items = describeSchema(schema.items ?? {}, root, depth + 1);
      if (!SCALAR_KINDS.has(items.kind)) return jsonField(schema, 'a list of structured items');
      return { ...common, kind: 'array', items: /** @type {ScalarField} */ (items), ...pick(schema, ['minItems', 'maxItems']) };
    }
    default:
      return jsonField(schema, type === undefined ? 'any JSON value' : `a value of type ${String(type)}`);
  }
}

/**
 * @param {Record<string, any>} schema
 * @param {unknown[]} variants
 * @param {unknown} root
 * @param {number} depth
 * @returns {Field}
 */
function describeVariants(schema, variants, root, depth) {
  const { anyOf: _anyOf, oneOf: _oneOf, ...own } = schema;
  const concrete = variants.filter((variant) => !isNullSchema(variant));
  if (concrete.length === 1) {
    const inner = describeSchema({ ...(/** @type {object} */ (concrete[0])), ...own }, root, depth + 1);
    if (inner.kind === 'json') return jsonField(schema, inner.reason);
    return concrete.length < variants.length ? { ...inner, nullable: true } : inner;
  }
  if (variants.every((variant) => isObject(variant) && 'const' in variant && isScalar(variant.const))) {
    const options = variants.map((variant) => /** @type {Record<string, any>} */ (variant).const);
    return { ...commonOf(own), kind: 'enum', options, nullable: options.includes(null) };
  }
  return jsonField(schema, 'one of several shapes');
}

/**
 * @param {Record<string, any>} schema
 * @param {Common} common
 * @param {unknown} root
 * @param {number} depth
 * @returns {Field}
 */
function describeObject(schema, common, root, depth) {
  const properties = isObject(schema.properties) ? Object.entries(schema.properties) : [];
  if (properties.length === 0) return jsonField(schema, 'an object without named properties');
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return {
    ...common,
    kind: 'object',
    properties: properties.map(([name, property]) => ({ name, required: required.has(name), field: describeSchema(property, root, depth + 1) })),
  };
}

/** @param {Record<string, any>} schema @returns {Common} */
function commonOf(schema) {
  return {
    nullable: false,
    ...(typeof schema.title === 'string' && { title: schema.title }),
    ...(typeof schema.description === 'string' && { description: schema.description }),
    ...('default' in schema && { default: schema.default }),
  };
}

/** @param {Record<string, any>} schema @param {unknown} reason @returns {JsonField} */
function jsonField(schema, reason) {
  return { ...commonOf(schema), kind: 'json', reason: String(reason) };
}

/** @param {Record<string, any>} schema @param {string[]} keys */
function pick(schema, keys) {
  return Object.fromEntries(keys.filter((key) => typeof schema[key] === 'number' || typeof schema[key] === 'string').map((key) => [key, schema[key]]));
}

/**
 * A local JSON Pointer (`#/a/b`), or undefined.
 * @param {unknown} root
 * @param {string} ref
 * @returns {unknown}
 */
export function resolvePointer(root, ref) {
  if (!ref.startsWith('#')) return undefined;
  /** @type {unknown} */
  let node = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = /** @type {Record<string, unknown>} */ (node)[key];
  }
  return node;
}

/**
 * The text of one scalar or raw-JSON field as a value.
 * @param {ScalarField | JsonField} field
 * @param {string} text
 * @returns {Parsed}
 */
export function parseText(field, text) {
  if (text.trim() === '' && (field.kind !== 'string' || text === '')) return { state: 'empty' };
  switch (field.kind) {
    case 'string':
      return { state: 'value', value: text };
    case 'number':
    case 'integer': {
      const value = Number(text.trim());
      if (!Number.isFinite(value)) return { state: 'error', message: 'enter a number' };
      if (field.kind === 'integer' && !Number.isInteger(value)) return { state: 'error', message: 'enter a whole number' };
      const range = rangeProblem(field, value);
      return range ? { state: 'error', message: range } : { state: 'value', value };
    }
    case 'boolean':
      return text === 'true' || text === 'false' ? { state: 'value', value: text === 'true' } : { state: 'error', message: 'choose true or false' };
    case 'enum': {
      const index = Number(text);
      return Number.isInteger(index) && index >= 0 && index < field.options.length ? { state: 'value', value: field.options[index] } : { state: 'error', message: 'choose one of the options' };
    }
    case 'json':
      try {
        return { state: 'value', value: JSON.parse(text) };
      } catch (error) {
        return { state: 'error', message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
      }
  }
}

/** @param {NumberField} field @param {number} value */
function rangeProblem(field, value) {
  if (field.minimum !== undefined && value < field.minimum) return `must be at least ${field.minimum}`;
  if (field.maximum !== undefined && value > field.maximum) return `must be at most ${field.maximum}`;
  if (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum) return `must be more than ${field.exclusiveMinimum}`;
  if (field.exclusiveMaximum !== undefined && value >= field.exclusiveMaximum) return `must be less than ${field.exclusiveMaximum}`;
  return undefined;
}

/**
 * What an empty field means: left out when optional, `null` when it may be
 * null, `""` for a required string, else an error.
 * @param {Field} field
 * @param {boolean} required
 * @returns {Resolved}
 */
export function resolveEmpty(field, required) {
  if (!required) return { omit: true };
  if (field.nullable) return { value: null };
  if (field.kind === 'string') return { value: '' };
  if (field.kind === 'array') return { value: [] };
  return { error: 'required' };
}

/**
 * The text a field shows for a value (`undefined` and `null` show empty).
 * @param {ScalarField | JsonField} field
 * @param {unknown} value
 */
export function formatText(field, value) {
  if (value === undefined || (value === null && field.kind !== 'enum' && field.kind !== 'json')) return '';
  switch (field.kind) {
    case 'enum': {
      const index = field.options.findIndex((option) => option === value);
      return index === -1 ? '' : String(index);
    }
    case 'json':
      return JSON.stringify(value, null, 2);
    default:
      return String(value);
  }
}

/**
 * Whether the form can show `value` exactly (else the page stays on raw JSON).
 * @param {Field} field
 * @param {unknown} value
 * @returns {boolean}
 */
export function canShow(field, value) {
  if (value === undefined) return true;
  if (value === null) return field.nullable || field.kind === 'json' || (field.kind === 'enum' && field.options.includes(null));
  switch (field.kind) {
    case 'json':
      return true;
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'enum':
      return field.options.includes(/** @type {Scalar} */ (value));
    case 'array':
      return Array.isArray(value) && value.every((item) => item !== null && canShow(field.items, item));
    case 'object': {
      if (!isObject(value)) return false;
      const byName = new Map(field.properties.map((property) => [property.name, property.field]));
      return Object.entries(value).every(([name, item]) => {
        const property = byName.get(name);
        return property !== undefined && canShow(property, item);
      });
    }
  }
}

/**
 * The key of an issue path (`['items', 0]` → `items.0`), to find its field.
 * @param {ReadonlyArray<string | number>} path
 */
export function pathKey(path) {
  return path.map(String).join('.');
}
