/**
 * @module
 * One background run: its record, its events replayed from the first and
 * then followed live (`GET /v1/runs/{id}/events`, picking up after the last
 * event id if the stream is cut), Cancel while it can still be cancelled,
 * and Resume — only on a sidecar whose contract has the resume route, for a
 * run that waits for input — with a form generated from that route's body
 * schema.
 */
import { api, describeError, eventStream } from './api.js';
import { h, jsonBlock, replace, statusBadge, timeText } from './dom.js';
import { createRunView } from './event-log.js';
import { describeSchema } from './form-model.js';
import { createSchemaForm } from './form-view.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);
const RECONNECTS = 5;

/** @typedef {Record<string, any>} RunRecord */

/**
 * @param {{ resume: { schema: unknown, root: unknown } | undefined, onChange: (record: RunRecord) => void }} options
 */
export function createRunDetail({ resume, onChange }) {
  const heading = h('h2', { id: 'run-detail-title', tabindex: -1 }, 'Run');
  const summary = h('div', { class: 'run-summary' }, h('p', { class: 'muted' }, 'Choose a run to see its record and its events.'));
  const actions = h('div', { class: 'actions' });
  const resumeBox = h('div');
  const message = h('p', { class: 'error', role: 'alert', hidden: true });
  const view = createRunView({ title: 'Run' });
  view.element.hidden = true;
  const element = h('section', { class: 'card', 'aria-labelledby': 'run-detail-title' }, heading, summary, actions, resumeBox, message, view.element);
  /** @type {{ runId: string, abort: AbortController, record?: RunRecord } | undefined} */
  let current;

  /** @param {RunRecord} record */
  const render = (record) => {
    if (!current || current.runId !== record.run_id) return;
    current.record = record;
    replace(
      summary,
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Status'), h('dd', null, statusBadge(record.status)),
        h('dt', null, 'Attempt'), h('dd', null, `${record.attempt} of ${record.max_attempts}`),
        h('dt', null, 'Created'), h('dd', null, timeText(record.created_at)),
        h('dt', null, 'Started'), h('dd', null, timeText(record.started_at)),
        h('dt', null, 'Finished'), h('dd', null, timeText(record.finished_at)),
        record.session_id ? [h('dt', null, 'Session'), h('dd', null, h('code', null, record.session_id))] : null,
      ),
      h('details', null, h('summary', null, 'Input'), jsonBlock(record.input, 'Run input')),
    );
    replace(actions);
    if (!TERMINAL.has(record.status)) actions.append(h('button', { type: 'button', class: 'danger', onclick: () => cancel(record.run_id) }, 'Cancel run'));
    replace(resumeBox, resume && record.status === 'input_required' ? resumeForm(record.run_id) : null);
  };

  /** @param {string} runId */
  const cancel = async (runId) => {
    try {
      const record = await api(`v1/runs/${encodeURIComponent(runId)}/cancel`, { method: 'POST' });
      render(record);
      onChange(record);
    } catch (error) {
      showMessage(`Cancel failed: ${describeError(error)}`);
    }
  };

  /** @param {string} runId */
  const resumeForm = (runId) => {
    const field = describeSchema(resume?.schema ?? {}, resume?.root);
    const form = createSchemaForm(field, 'resume');
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Resume run');
    const element = h('form', { class: 'resume', novalidate: true, 'aria-label': 'Resume the run' }, h('h3', null, 'The run waits for input'), form.element, h('div', { class: 'actions' }, submit));
    element.addEventListener('submit', async (event) => {
      event.preventDefault();
      const reading = form.read();
      if (reading.issues.length > 0) return;
      submit.disabled = true;
      try {
        const record = await api(`v1/runs/${encodeURIComponent(runId)}/resume`, { method: 'POST', body: reading.value });
        if (record?.run_id === runId) render(record);
        void follow(runId);
      } catch (error) {
        showMessage(`Resume failed: ${describeError(error)}`);
      } finally {
        submit.disabled = false;
      }
    });
    return element;
  };

  /** @param {string} text */
  const showMessage = (text) => {
    message.textContent = text;
    message.hidden = false;
  };

  /**
   * Replays the events, then follows them until the run ends; reconnects after the last id seen.
   * @param {string} runId
   */
  const follow = async (runId) => {
    const session = current;
    if (!session || session.runId !== runId) return;
    session.abort.abort();
    session.abort = new AbortController();
    const { signal } = session.abort;
    view.reset();
    view.busy(true);
    let lastId = '0';
    for (let attempt = 0; attempt <= RECONNECTS && !signal.aborted; attempt += 1) {
      try {
        for await (const event of eventStream(`v1/runs/${encodeURIComponent(runId)}/events`, { headers: { 'last-event-id': lastId }, signal })) {
          if (event.id !== undefined) lastId = event.id;
          view.add(event.data);
        }
        const record = await api(`v1/runs/${encodeURIComponent(runId)}`, { signal });
        render(record);
        onChange(record);
        if (TERMINAL.has(record.status) || record.status === 'input_required') break;
      } catch (error) {
        if (signal.aborted) return;
        showMessage(`Events: ${describeError(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    view.busy(false);
  };

  return {
    element,
    /** @returns {string | undefined} */
    get runId() {
      return current?.runId;
    },
    /**
     * Shows a run and follows its events.
     * @param {string} runId
     */
    async show(runId) {
      current?.abort.abort();
      current = { runId, abort: new AbortController() };
      replace(heading, 'Run ', h('code', null, runId));
      message.hidden = true;
      view.element.hidden = false;
      try {
        render(await api(`v1/runs/${encodeURIComponent(runId)}`));
      } catch (error) {
        showMessage(describeError(error));
        return;
      }
      heading.focus();
      void follow(runId);
    },
    /**
     * A newer record of the run on show (from the list's polling).
     * @param {RunRecord} record
     */
    update(record) {
      if (current?.record && current.record.status === record.status && current.record.attempt === record.attempt) return;
      render(record);
    },
    /** Stops following (the tab is left). */
    stop() {
      current?.abort.abort();
    },
  };
}
