/**
 * @module
 * Reading the sidecar's OpenAPI document: its operations in document order,
 * a one-line label for any JSON Schema, and which optional routes this
 * sidecar has (the page shows a control only when its route exists, so it
 * works against older and newer sidecars alike). Pure; unit-tested.
 */
import { resolvePointer } from './form-model.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The route that answers a run waiting for input (`input_required`). */
export const RESUME_PATH = '/v1/runs/{id}/resume';

/**
 * @typedef {{ name: string, in: string, required: boolean, description?: string, schema?: unknown }} Parameter
 * @typedef {{ status: string, description: string, contentTypes: string[], schema?: unknown }} ResponseInfo
 * @typedef {object} Operation
 * @property {string} method upper case
 * @property {string} path
 * @property {string} [summary]
 * @property {string} [description]
 * @property {string} [operationId]
 * @property {Parameter[]} parameters
 * @property {{ required: boolean, contentTypes: string[], schema?: unknown } | undefined} requestBody
 * @property {ResponseInfo[]} responses
 * @property {boolean} public no security requirement (the probes)
 * @property {string | undefined} externalDocs
 */

/** @param {unknown} value @returns {value is Record<string, any>} */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A `$ref`'d object (parameter, response, request body) as the object itself.
 * @param {unknown} document
 * @param {unknown} node
 * @returns {Record<string, any>}
 */
function deref(document, node) {
  for (let hops = 0; isObject(node) && typeof node.$ref === 'string' && hops < 8; hops += 1) node = resolvePointer(document, node.$ref);
  return isObject(node) ? node : {};
}

/**
 * @param {unknown} document
 * @returns {Operation[]}
 */
export function listOperations(document) {
  if (!isObject(document) || !isObject(document.paths)) return [];
  const globalSecurity = Array.isArray(document.security) && document.security.length > 0;
  /** @type {Operation[]} */
  const operations = [];
  for (const [path, item] of Object.entries(document.paths)) {
    if (!isObject(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of Object.keys(item).filter((key) => METHODS.includes(key))) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const body = operation.requestBody === undefined ? undefined : deref(document, operation.requestBody);
      const security = Array.isArray(operation.security) ? operation.security.length > 0 : globalSecurity;
      operations.push({
        method: method.toUpperCase(),
        path,
        ...(typeof operation.summary === 'string' && { summary: operation.summary }),
        ...(typeof operation.description === 'string' && { description: operation.description }),
        ...(typeof operation.operationId === 'string' && { operationId: operation.operationId }),
        parameters: [...shared, ...(Array.isArray(operation.parameters) ? operation.parameters : [])].map((raw) => {
          const parameter = deref(document, raw);
          return {
            name: String(parameter.name ?? '?'),
            in: String(parameter.in ?? '?'),
            required: parameter.required === true,
            ...(typeof parameter.description === 'string' && { description: parameter.description }),
            ...(parameter.schema !== undefined && { schema: parameter.schema }),
          };
        }),
        requestBody: body && { required: body.required === true, ...mediaOf(body.content) },
        responses: Object.entries(isObject(operation.responses) ? operation.responses : {}).map(([status, raw]) => {
          const response = deref(document, raw);
          return { status, description: String(response.description ?? ''), ...mediaOf(response.content) };
        }),
        public: !security,
        externalDocs: isObject(operation.externalDocs) && typeof operation.externalDocs.url === 'string' ? operation.externalDocs.url : undefined,
      });
    }
  }
  return operations;
}

/** @param {unknown} content @returns {{ contentTypes: string[], schema?: unknown }} */
function mediaOf(content) {
  if (!isObject(content)) return { contentTypes: [] };
  const types = Object.keys(content);
  const withSchema = types.map((type) => content[type]).find((media) => isObject(media) && media.schema !== undefined);
  return { contentTypes: types, ...(withSchema && { schema: withSchema.schema }) };
}

/**
 * Whether the document has `method` on `path`.
 * @param {unknown} document
 * @param {string} path
 * @param {string} method
 */
export function hasOperation(document, path, method) {
  return isObject(document) && isObject(document.paths) && isObject(document.paths[path]) && isObject(document.paths[path][method.toLowerCase()]);
}

/**
 * The schema of the resume route's body, or undefined when this sidecar has no such route.
 * @param {unknown} document
 * @returns {{ schema: unknown } | undefined}
 */
export function resumeRoute(document) {
  if (!hasOperation(document, RESUME_PATH, 'post')) return undefined;
  const operation = listOperations(document).find((candidate) => candidate.method === 'POST' && candidate.path === RESUME_PATH);
  return { schema: operation?.requestBody?.schema ?? {} };
}

/**
 * A one-line label of a schema: `string`, `integer ≥ 1`, `RunRecord`,
 * `"a" | "b"`, `array of string`, `string | null`.
 * @param {unknown} schema
 * @param {number} [depth]
 * @returns {string}
 */
export function schemaLabel(schema, depth = 0) {
  if (schema === true || (isObject(schema) && Object.keys(schema).length === 0)) return 'any';
  if (!isObject(schema) || depth > 4) return '…';
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() ?? schema.$ref;
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants)) return variants.map((variant) => schemaLabel(variant, depth + 1)).join(' | ');
  if (Array.isArray(schema.allOf)) return schema.allOf.map((part) => schemaLabel(part, depth + 1)).join(' & ');
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if ('const' in schema) return JSON.stringify(schema.const);
  const types = Array.isArray(schema.type) ? schema.type : schema.type !== undefined ? [schema.type] : isObject(schema.properties) ? ['object'] : [];
  if (types.length === 0) return 'any';
  return types
    .map((type) => {
      if (type === 'array') return `array of ${schemaLabel(schema.items ?? {}, depth + 1)}`;
      if (type === 'object' && isObject(schema.additionalProperties)) return `map of ${schemaLabel(schema.additionalProperties, depth + 1)}`;
      return String(type) + constraints(schema);
    })
    .join(' | ');
}

/** @param {Record<string, any>} schema */
function constraints(schema) {
  const parts = [];
  // zod gives every integer the safe-integer bounds: not worth showing.
  const bound = (/** @type {unknown} */ value) => typeof value === 'number' && Math.abs(value) < Number.MAX_SAFE_INTEGER;
  if (typeof schema.format === 'string') parts.push(schema.format);
  if (bound(schema.minimum)) parts.push(`≥ ${schema.minimum}`);
  if (typeof schema.exclusiveMinimum === 'number') parts.push(`> ${schema.exclusiveMinimum}`);
  if (bound(schema.maximum)) parts.push(`≤ ${schema.maximum}`);
  if (typeof schema.exclusiveMaximum === 'number') parts.push(`< ${schema.exclusiveMaximum}`);
  if (typeof schema.minLength === 'number') parts.push(`min length ${schema.minLength}`);
  if (typeof schema.maxLength === 'number') parts.push(`max length ${schema.maxLength}`);
  if (typeof schema.pattern === 'string') parts.push(`pattern ${schema.pattern}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}
