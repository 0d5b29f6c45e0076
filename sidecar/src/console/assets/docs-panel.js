/**
 * @module
 * The API tab: this sidecar's own OpenAPI document (`GET /openapi.json`,
 * with this agent's schemas and the protocols it serves) rendered to read —
 * each operation with its parameters, body and responses, then every named
 * schema — from the document alone: no third-party viewer, nothing fetched
 * from elsewhere.
 */
import { h, replace, safeLink } from './dom.js';
import { listOperations } from './openapi-model.js';
import { schemaView, typeCell } from './schema-view.js';

/**
 * @param {HTMLElement} panel
 * @param {Record<string, any>} document the OpenAPI document
 */
export function renderDocsPanel(panel, document) {
  const info = document.info ?? {};
  /** @type {Map<string, HTMLDetailsElement>} */
  const schemaBoxes = new Map();
  /** @param {string} name */
  const onRef = (name) => {
    const box = schemaBoxes.get(name);
    if (!box) return;
    box.open = true;
    box.scrollIntoView({ block: 'start' });
    box.querySelector('summary')?.focus();
  };
  const operations = listOperations(document);
  const schemas = Object.entries(document.components?.schemas ?? {});
  replace(
    panel,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'docs-title' },
      h('h2', { id: 'docs-title' }, String(info.title ?? 'API'), ' ', h('span', { class: 'muted' }, String(info.version ?? ''))),
      info.description ? h('p', null, String(info.description)) : null,
      h('p', { class: 'muted' }, `OpenAPI ${document.openapi ?? ''} · ${operations.length} operations · ${schemas.length} schemas · `, h('code', null, 'GET /openapi.json'), ' serves it as JSON.'),
      h('h3', null, 'Operations'),
      h('div', { class: 'operations' }, operations.map((operation) => operationView(operation, onRef))),
      h('h3', null, 'Schemas'),
      h(
        'div',
        { class: 'schemas' },
        schemas.map(([name, schema]) => {
          const box = h('details', { class: 'schema-box', id: `schema-${name}` }, h('summary', null, h('code', null, name)), schemaView(schema, { onRef }));
          schemaBoxes.set(name, box);
          return box;
        }),
      ),
    ),
  );
}

/**
 * @param {import('./openapi-model.js').Operation} operation
 * @param {(name: string) => void} onRef
 */
function operationView(operation, onRef) {
  const options = { onRef };
  return h(
    'details',
    { class: 'operation' },
    h(
      'summary',
      null,
      h('span', { class: `method method-${operation.method.toLowerCase()}` }, operation.method),
      h('code', { class: 'path' }, operation.path),
      h('span', { class: 'summary-text' }, operation.summary ?? ''),
      operation.public ? h('span', { class: 'badge' }, 'no token') : null,
    ),
    h(
      'div',
      { class: 'operation-body' },
      operation.description ? h('p', null, operation.description) : null,
      operation.externalDocs ? h('p', null, 'Specification: ', safeLink(operation.externalDocs)) : null,
      operation.parameters.length > 0
        ? [
            h('h4', null, 'Parameters'),
            h(
              'table',
              { class: 'props' },
              h('thead', null, h('tr', null, ['Name', 'In', 'Type', 'Required', 'Notes'].map((name) => h('th', { scope: 'col' }, name)))),
              h(
                'tbody',
                null,
                operation.parameters.map((parameter) =>
                  h('tr', null, h('th', { scope: 'row' }, h('code', null, parameter.name)), h('td', null, parameter.in), h('td', null, typeCell(parameter.schema ?? {}, options)), h('td', null, parameter.required ? 'yes' : 'no'), h('td', null, parameter.description ?? '')),
                ),
              ),
            ),
          ]
        : null,
      operation.requestBody
        ? [
            h('h4', null, 'Request body', operation.requestBody.required ? '' : ' (optional)', ' ', h('span', { class: 'muted' }, operation.requestBody.contentTypes.join(', '))),
            operation.requestBody.schema !== undefined ? schemaView(operation.requestBody.schema, options) : null,
          ]
        : null,
      h('h4', null, 'Responses'),
      h(
        'table',
        { class: 'props' },
        h('thead', null, h('tr', null, ['Status', 'Meaning', 'Content', 'Schema'].map((name) => h('th', { scope: 'col' }, name)))),
        h(
          'tbody',
          null,
          operation.responses.map((response) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, h('code', null, response.status)),
              h('td', null, response.description),
              h('td', null, response.contentTypes.join(', ')),
              h('td', null, response.schema !== undefined ? typeCell(response.schema, options) : ''),
            ),
          ),
        ),
      ),
    ),
  );
}
