/**
 * @module
 * The console's entry: loads the descriptor and the OpenAPI document, asks
 * for the token when the sidecar answers 401, and renders each tab from what
 * this sidecar says it can do (a Resume control only where the contract has
 * the route, background runs only where the descriptor lists them).
 */
import { ApiError, api, describeError, onUnauthorized } from './api.js';
import { renderAgentPanel, renderMasthead } from './agent-panel.js';
import { renderDocsPanel } from './docs-panel.js';
import { h, replace } from './dom.js';
import { resumeRoute } from './openapi-model.js';
import { renderRunsPanel } from './runs-panel.js';
import { createTabs } from './tabs.js';
import { currentToken, tokenDialog } from './token.js';
import { renderTryPanel } from './try-panel.js';

const READINESS_EVERY_MS = 5000;

/** @param {string} id */
const element = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const panels = { try: element('panel-try'), runs: element('panel-runs'), docs: element('panel-docs'), agent: element('panel-agent') };
const pageError = element('page-error');

/** @type {ReturnType<typeof renderRunsPanel> | undefined} */
let runs;
/** @type {(() => void) | undefined} */
let renderDocs;

const tokens = tokenDialog({ onChange: () => void boot() });
onUnauthorized(() =>
  tokens.ask(currentToken() === undefined ? 'This sidecar needs its bearer token for API calls. It is kept in this tab’s session storage only.' : 'The sidecar refused this token. Enter the right one.'),
);
const tabs = createTabs({
  onShow(name) {
    runs?.setActive(name === 'runs');
    if (name === 'docs') renderDocs?.();
  },
});

/** @param {string | undefined} text */
function showError(text) {
  pageError.textContent = text ?? '';
  pageError.hidden = text === undefined;
}

async function boot() {
  showError(undefined);
  let descriptor;
  /** @type {Record<string, any> | undefined} */
  let openapi;
  try {
    [descriptor, openapi] = await Promise.all([api('v1/agent'), api('openapi.json').catch(() => undefined)]);
  } catch (error) {
    const waiting = error instanceof ApiError && error.status === 401;
    showError(waiting ? 'Enter the sidecar’s token (the Token button) to continue.' : `Cannot load the agent: ${describeError(error)}`);
    return;
  }
  renderMasthead(descriptor);
  renderAgentPanel(panels.agent, descriptor);
  runs?.setActive(false);
  const resume = openapi && resumeRoute(openapi);
  runs = descriptor.capabilities?.background_runs === false ? undefined : renderRunsPanel(panels.runs, { resume: resume && { schema: resume.schema, root: openapi }, show: () => tabs.show('runs') });
  if (!runs) replace(panels.runs, h('p', { class: 'card muted' }, 'This agent does not take background runs.'));
  const runsPanel = runs;
  renderTryPanel(panels.try, {
    descriptor,
    runs: { submitted: (runId) => runsPanel?.submitted(runId), open: (runId) => void runsPanel?.open(runId) },
  });
  let docsShown = false;
  renderDocs = () => {
    if (docsShown) return;
    docsShown = true;
    if (openapi) renderDocsPanel(panels.docs, openapi);
    else replace(panels.docs, h('p', { class: 'card error' }, 'This sidecar did not serve its OpenAPI document.'));
  };
  if (tabs.shown === 'docs') renderDocs();
  runs?.setActive(tabs.shown === 'runs');
}

/** The readiness badge: /readyz needs no token. */
async function watchReadiness() {
  const badge = element('readiness');
  if (!document.hidden) {
    try {
      const response = await fetch(new URL('../readyz', document.baseURI), { cache: 'no-store', credentials: 'omit' });
      const body = response.ok ? undefined : await response.json().catch(() => undefined);
      badge.textContent = response.ok ? 'ready' : body?.code === 'draining' ? 'draining' : 'not ready';
      badge.className = `badge ${response.ok ? 'status-succeeded' : 'status-failed'}`;
    } catch {
      badge.textContent = 'unreachable';
      badge.className = 'badge status-failed';
    }
  }
  setTimeout(() => void watchReadiness(), READINESS_EVERY_MS);
}

void boot();
void watchReadiness();
