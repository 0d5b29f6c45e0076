/**
 * @module
 * The Try tab: a form generated from the agent's input schema, with raw JSON
 * always one switch away; Run streams the call (`POST /v1/invoke` with
 * `Accept: text/event-stream`) and shows each event as it arrives; Stop
 * closes the stream, which cancels the run; Run in background submits a
 * durable run (`POST /v1/runs`) and hands it to the Runs tab.
 */
import { ApiError, api, describeError, eventStream } from './api.js';
import { h, replace, uniqueId } from './dom.js';
import { createRunView } from './event-log.js';
import { describeSchema } from './form-model.js';
import { createSchemaForm } from './form-view.js';

/**
 * @param {HTMLElement} panel
 * @param {{ descriptor: Record<string, any>, runs: { submitted(runId: string): void, open(runId: string): void } }} options
 */
export function renderTryPanel(panel, { descriptor, runs }) {
  const field = describeSchema(descriptor.input_schema);
  const form = createSchemaForm(field, 'input');
  const formOnly = field.kind === 'json';
  const rawId = uniqueId('raw');
  const raw = h('textarea', { id: rawId, class: 'code', rows: 12, spellcheck: 'false', 'aria-describedby': `${rawId}-error` });
  const rawError = h('p', { class: 'error', id: `${rawId}-error`, role: 'alert', hidden: true });
  const formBox = h('div', { class: 'form-mode' }, form.element);
  const jsonBox = h('div', { class: 'json-mode', hidden: true }, h('label', { for: rawId }, 'Input as JSON'), raw, rawError);
  const modeNote = h('p', { class: 'hint', role: 'status' });

  const formRadio = h('input', { type: 'radio', name: 'try-mode', id: 'try-mode-form', value: 'form', checked: !formOnly, disabled: formOnly });
  const jsonRadio = h('input', { type: 'radio', name: 'try-mode', id: 'try-mode-json', value: 'json', checked: formOnly });
  const modes = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'Edit the input as' }, formRadio, h('label', { for: 'try-mode-form' }, 'Form'), jsonRadio, h('label', { for: 'try-mode-json' }, 'JSON'));

  const sessionInput = h('input', { id: 'try-session', type: 'text', autocomplete: 'off', pattern: '[A-Za-z0-9._:-]+', placeholder: 'none' });
  const timeoutInput = h('input', { id: 'try-timeout', type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: `${descriptor.limits?.default_timeout_ms ?? ''}` });
  const options = h(
    'details',
    { class: 'options' },
    h('summary', null, 'Call options'),
    h('div', { class: 'field' }, h('label', { for: 'try-session' }, 'Session id'), h('p', { class: 'hint' }, 'Runs with the same session id share conversation memory.'), sessionInput),
    h('div', { class: 'field' }, h('label', { for: 'try-timeout' }, 'Timeout (ms)'), h('p', { class: 'hint' }, 'Sent as Squire-Timeout-Ms; the sidecar caps it.'), timeoutInput),
  );

  const runButton = h('button', { type: 'submit', class: 'primary' }, 'Run');
  const backgroundButton = h('button', { type: 'button', disabled: descriptor.capabilities?.background_runs === false }, 'Run in background');
  const stopButton = h('button', { type: 'button', class: 'danger', hidden: true }, 'Stop');
  const formElement = h('form', { class: 'try-form', novalidate: true, 'aria-label': 'Agent input' }, formBox, jsonBox, modeNote, options, h('div', { class: 'actions' }, runButton, backgroundButton, stopButton));

  const view = createRunView({ title: 'Call' });
  const notice = h('div', { class: 'notice', role: 'status' });
  replace(
    panel,
    h(
      'div',
      { class: 'grid two' },
      h('section', { class: 'card', 'aria-labelledby': 'try-input-title' }, h('div', { class: 'card-head' }, h('h2', { id: 'try-input-title' }, 'Input'), modes), formOnly ? h('p', { class: 'hint' }, `The input schema is ${field.reason}: edit it as JSON.`) : null, formElement),
      h('section', { class: 'card', 'aria-labelledby': 'try-output-title' }, h('h2', { id: 'try-output-title' }, 'Result'), notice, view.element),
    ),
  );
  if (formOnly) showJson();

  function showJson() {
    const { value } = form.read();
    raw.value = JSON.stringify(value ?? null, null, 2);
    form.clearIssues();
    formBox.hidden = true;
    jsonBox.hidden = false;
    modeNote.textContent = '';
  }
  formRadio.addEventListener('change', () => {
    const parsed = parseRaw();
    if (parsed.ok && form.write(parsed.value)) {
      formBox.hidden = false;
      jsonBox.hidden = true;
      modeNote.textContent = '';
      return;
    }
    jsonRadio.checked = true;
    modeNote.textContent = parsed.ok ? 'The form cannot show this value exactly; keep editing it as JSON.' : 'Fix the JSON first.';
  });
  jsonRadio.addEventListener('change', showJson);

  /** @returns {{ ok: true, value: unknown } | { ok: false }} */
  function parseRaw() {
    try {
      const value = JSON.parse(raw.value);
      rawError.hidden = true;
      raw.removeAttribute('aria-invalid');
      return { ok: true, value };
    } catch (error) {
      rawError.textContent = `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
      rawError.hidden = false;
      raw.setAttribute('aria-invalid', 'true');
      raw.focus();
      return { ok: false };
    }
  }

  /** The request body and headers, or undefined when the input has problems (shown where they are). */
  function request() {
    let input;
    if (jsonBox.hidden) {
      const reading = form.read();
      if (reading.issues.length > 0) return undefined;
      input = reading.value;
    } else {
      const parsed = parseRaw();
      if (!parsed.ok) return undefined;
      input = parsed.value;
    }
    /** @type {Record<string, string>} */
    const headers = {};
    const timeout = timeoutInput.value.trim();
    if (timeout !== '') headers['squire-timeout-ms'] = timeout;
    const session = sessionInput.value.trim();
    return { body: { input, ...(session !== '' && { session_id: session }) }, headers };
  }

  /** @param {unknown} error */
  function showFailure(error) {
    const issues = error instanceof ApiError && Array.isArray(error.problem.issues) ? error.problem.issues : undefined;
    if (issues && error instanceof ApiError && error.code === 'invalid_input') {
      if (jsonBox.hidden) form.showIssues(issues);
      else {
        rawError.textContent = issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ');
        rawError.hidden = false;
      }
    }
    if (error instanceof ApiError) view.showProblem(error.problem);
    else view.setStatus(describeError(error) === 'stopped' ? 'cancelled' : 'failed', describeError(error));
  }

  /** @type {AbortController | undefined} */
  let running;
  formElement.addEventListener('submit', async (event) => {
    event.preventDefault();
    const call = request();
    if (!call || running) return;
    running = new AbortController();
    view.reset();
    replace(notice);
    view.setStatus('queued', 'calling…');
    view.busy(true);
    runButton.disabled = true;
    stopButton.hidden = false;
    let ended = false;
    try {
      for await (const message of eventStream('v1/invoke', { method: 'POST', ...call, signal: running.signal })) {
        view.add(message.data);
        ended ||= message.type === 'run.completed' || message.type === 'run.failed';
      }
      if (!ended) view.setStatus('failed', 'the stream ended before the run did');
    } catch (error) {
      showFailure(error);
    } finally {
      running = undefined;
      view.busy(false);
      runButton.disabled = false;
      stopButton.hidden = true;
    }
  });
  stopButton.addEventListener('click', () => running?.abort());

  backgroundButton.addEventListener('click', async () => {
    const call = request();
    if (!call) return;
    backgroundButton.disabled = true;
    try {
      const created = await api('v1/runs', { method: 'POST', ...call });
      const open = h('button', { type: 'button', class: 'link', onclick: () => runs.open(created.run_id) }, 'Follow it in Runs');
      replace(notice, 'Background run ', h('code', null, created.run_id), ` ${created.status}. `, open);
      runs.submitted(created.run_id);
    } catch (error) {
      view.reset();
      showFailure(error);
    } finally {
      backgroundButton.disabled = false;
    }
  });
}
