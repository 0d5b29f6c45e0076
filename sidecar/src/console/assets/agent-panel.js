/**
 * @module
 * The descriptor (`GET /v1/agent`), read for people: the masthead (name,
 * version, description, which model answers) and the Agent tab — the model
 * provider, capabilities, limits, the protocols this sidecar also speaks
 * with their addresses, and the input and output schemas.
 */
import { apiUrl } from './api.js';
import { h, jsonBlock, replace } from './dom.js';
import { schemaView } from './schema-view.js';

const PROTOCOL_NAMES = /** @type {Record<string, string>} */ ({ mcp: 'MCP (streamable HTTP)', a2a: 'A2A', openai: 'OpenAI chat completions' });

/** @param {Record<string, any>} descriptor */
export function renderMasthead(descriptor) {
  const name = /** @type {HTMLElement} */ (document.getElementById('agent-name'));
  const summary = /** @type {HTMLElement} */ (document.getElementById('agent-summary'));
  replace(name, String(descriptor.name), ' ', h('span', { class: 'version' }, `v${descriptor.version}`));
  replace(summary, descriptor.description ? String(descriptor.description) : h('span', { class: 'muted' }, 'No description'), ' ', descriptor.capabilities?.llm ? modelBadge(descriptor.model_provider) : null);
  document.title = `${descriptor.name} · Squire console`;
}

/** @param {Record<string, any> | undefined} provider */
function modelBadge(provider) {
  if (!provider) return null;
  if (provider.kind === 'offline') return h('span', { class: 'badge warn', title: 'No OPENAI_BASE_URL: a built-in deterministic model answers' }, 'offline model');
  if (provider.kind === 'none') return null;
  return h('span', { class: 'badge' }, provider.model ? `model ${provider.model}` : 'OpenAI-compatible model');
}

/**
 * @param {HTMLElement} panel
 * @param {Record<string, any>} descriptor
 */
export function renderAgentPanel(panel, descriptor) {
  const capabilities = descriptor.capabilities ?? {};
  const limits = descriptor.limits ?? {};
  const provider = descriptor.model_provider ?? {};
  const protocols = Array.isArray(descriptor.protocols) ? descriptor.protocols : [];
  const flags = ['streaming', 'background_runs', 'sessions', 'idempotency', 'llm'].filter((flag) => capabilities[flag] === true);
  replace(
    panel,
    h(
      'div',
      { class: 'grid two' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'agent-title' },
        h('h2', { id: 'agent-title' }, 'Agent'),
        h(
          'dl',
          { class: 'facts' },
          h('dt', null, 'Contract'), h('dd', null, h('code', null, String(descriptor.contract))),
          h('dt', null, 'Model'), h('dd', null, !capabilities.llm ? h('span', { class: 'muted' }, 'none (a code agent)') : provider.kind === 'offline' ? 'built-in offline model (deterministic, no network)' : [provider.model ?? '—', provider.base_url ? h('span', { class: 'muted' }, ` at ${provider.base_url}`) : null]),
          h('dt', null, 'Capabilities'), h('dd', null, flags.map((flag) => h('span', { class: 'chip' }, flag.replace(/_/g, ' ')))),
          h('dt', null, 'Tools'), h('dd', null, (capabilities.tools ?? []).length > 0 ? capabilities.tools.map((/** @type {string} */ tool) => h('code', { class: 'chip' }, tool)) : h('span', { class: 'muted' }, 'none')),
          h('dt', null, 'Sidecar'), h('dd', null, `${descriptor.sidecar?.version ?? '?'} on Node ${descriptor.sidecar?.node ?? '?'}`),
        ),
        h('h3', null, 'Limits'),
        h(
          'dl',
          { class: 'facts' },
          h('dt', null, 'Slots'), h('dd', null, `${limits.slots} runs at once, ${limits.queue_max} waiting`),
          h('dt', null, 'Timeouts'), h('dd', null, `${limits.default_timeout_ms} ms by default, ${limits.max_timeout_ms} ms at most`),
          h('dt', null, 'Body'), h('dd', null, `${limits.max_body_bytes} bytes at most`),
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'protocols-title' },
        h('h2', { id: 'protocols-title' }, 'Protocols'),
        h('p', { class: 'muted' }, 'Besides contract v1, the same agent answers:'),
        protocols.length === 0
          ? h('p', null, 'none (contract v1 only)')
          : h(
              'ul',
              { class: 'protocols' },
              protocols.map((/** @type {Record<string, any>} */ protocol) =>
                h(
                  'li',
                  null,
                  h('strong', null, PROTOCOL_NAMES[protocol.name] ?? String(protocol.name)),
                  h('span', { class: 'muted' }, ` ${(protocol.versions ?? []).join(', ')}`),
                  h('ul', null, (protocol.paths ?? []).map((/** @type {string} */ path) => h('li', null, h('code', null, apiUrl(path))))),
                ),
              ),
            ),
      ),
      h('section', { class: 'card', 'aria-labelledby': 'input-schema-title' }, h('h2', { id: 'input-schema-title' }, 'Input schema'), schemaView(descriptor.input_schema)),
      h('section', { class: 'card', 'aria-labelledby': 'output-schema-title' }, h('h2', { id: 'output-schema-title' }, 'Output schema'), schemaView(descriptor.output_schema)),
      h('details', { class: 'card wide' }, h('summary', null, 'Descriptor as JSON (GET /v1/agent)'), jsonBlock(descriptor, 'Descriptor')),
    ),
  );
}
