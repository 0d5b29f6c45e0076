/**
 * @module
 * The Runs tab: background runs newest first with their live status (the
 * list is polled while the tab is shown — every second while a run is still
 * going, every five otherwise — and rows update in place, so focus and
 * selection survive), a status filter, more pages by cursor, and the chosen
 * run's detail beside it.
 */
import { api, describeError } from './api.js';
import { h, replace, statusBadge, timeText } from './dom.js';
import { createRunDetail } from './run-detail.js';

const STATUSES = ['queued', 'running', 'input_required', 'succeeded', 'failed', 'cancelled', 'timed_out'];
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);
const PAGE = 25;
const MAX_PAGE = 500;

/** @typedef {Record<string, any>} RunRecord */

/**
 * @param {HTMLElement} panel
 * @param {{ resume: { schema: unknown, root: unknown } | undefined, show: () => void }} options `show` brings the tab forward
 */
export function renderRunsPanel(panel, { resume, show }) {
  /** @type {Map<string, { row: HTMLTableRowElement, record: RunRecord, update: (record: RunRecord) => void }>} */
  const rows = new Map();
  const filter = h('select', { id: 'runs-status' }, h('option', { value: '' }, 'any'), STATUSES.map((status) => h('option', { value: status }, status.replace(/_/g, ' '))));
  const refreshButton = h('button', { type: 'button', class: 'ghost' }, 'Refresh');
  const body = h('tbody');
  const empty = h('p', { class: 'muted' }, 'No background runs yet. Start one with “Run in background” on the Try tab.');
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const more = h('button', { type: 'button', class: 'ghost', hidden: true }, 'Load older runs');
  const announcer = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  const table = h(
    'table',
    { class: 'runs-table' },
    h('caption', { class: 'sr-only' }, 'Background runs, newest first'),
    h('thead', null, h('tr', null, ['Run', 'Status', 'Created', 'Attempt', 'Took'].map((name) => h('th', { scope: 'col' }, name)))),
    body,
  );
  const detail = createRunDetail({ resume, onChange: (record) => upsert([record]) });
  replace(
    panel,
    h(
      'div',
      { class: 'grid runs' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'runs-title' },
        h('div', { class: 'card-head' }, h('h2', { id: 'runs-title' }, 'Background runs'), h('div', { class: 'inline-controls' }, h('label', { for: 'runs-status' }, 'Status'), filter, refreshButton)),
        error,
        h('div', { class: 'table-scroll' }, table),
        empty,
        more,
        announcer,
      ),
      detail.element,
    ),
  );

  /** @type {string | null} */
  let cursor = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let active = false;

  /** @param {RunRecord[]} records newest first */
  function upsert(records, append = false) {
    /** @type {HTMLTableRowElement | undefined} */
    let previous;
    for (const record of records) {
      const known = rows.get(record.run_id);
      if (known) {
        if (known.record.status !== record.status && record.run_id === detail.runId) announcer.textContent = `Run ${record.run_id} is ${record.status.replace(/_/g, ' ')}`;
        known.record = record;
        known.update(record);
        previous = known.row;
        if (detail.runId === record.run_id) detail.update(record);
        continue;
      }
      const { row, update } = createRow(record);
      rows.set(record.run_id, { row, record, update });
      // Rows already shown never move: moving a focused row would drop the focus.
      if (previous) previous.after(row);
      else if (append) body.append(row);
      else body.prepend(row);
      previous = row;
    }
    empty.hidden = rows.size > 0;
  }

  /**
   * A row whose cells are updated in place afterwards: replacing the run's
   * button on every poll would take the keyboard focus away from it.
   * @param {RunRecord} first
   */
  function createRow(first) {
    const button = h('button', { type: 'button', class: 'link mono', onclick: () => open(first.run_id) }, first.run_id);
    const status = h('td', { class: 'run-status-cell' });
    const attempt = h('td');
    const took = h('td');
    const row = h('tr', { 'data-run-id': first.run_id }, h('td', null, button), status, h('td', null, timeText(first.created_at)), attempt, took);
    /** @param {RunRecord} record */
    const update = (record) => {
      replace(status, statusBadge(record.status));
      attempt.textContent = String(record.attempt);
      took.textContent = record.started_at && record.finished_at ? `${Date.parse(record.finished_at) - Date.parse(record.started_at)} ms` : '';
      if (record.run_id === detail.runId) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    };
    update(first);
    return { row, update };
  }

  async function refresh() {
    clearTimeout(timer);
    const query = new URLSearchParams({ limit: String(Math.min(MAX_PAGE, Math.max(PAGE, rows.size))) });
    if (filter.value) query.set('status', filter.value);
    try {
      const page = await api(`v1/runs?${query}`);
      upsert(page.data);
      if (rows.size <= page.data.length) cursor = page.next_cursor;
      more.hidden = cursor === null;
      error.hidden = true;
    } catch (failure) {
      error.textContent = `Could not list runs: ${describeError(failure)}`;
      error.hidden = false;
    }
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    if (!active) return;
    const live = [...rows.values()].some(({ record }) => !TERMINAL.has(record.status));
    timer = setTimeout(() => void refresh(), live ? 1000 : 5000);
  }

  /** @param {string} runId */
  async function open(runId) {
    show();
    await detail.show(runId);
    for (const { record, update } of rows.values()) update(record);
  }

  filter.addEventListener('change', () => {
    rows.clear();
    body.replaceChildren();
    cursor = null;
    void refresh();
  });
  refreshButton.addEventListener('click', () => void refresh());
  more.addEventListener('click', async () => {
    if (cursor === null) return;
    const query = new URLSearchParams({ limit: String(PAGE), cursor });
    if (filter.value) query.set('status', filter.value);
    try {
      const page = await api(`v1/runs?${query}`);
      upsert(page.data, true);
      cursor = page.next_cursor;
      more.hidden = cursor === null;
    } catch (failure) {
      error.textContent = `Could not list runs: ${describeError(failure)}`;
      error.hidden = false;
    }
  });

  return {
    /** The tab is shown or hidden: poll only while it is shown. @param {boolean} shown */
    setActive(shown) {
      active = shown;
      if (shown) void refresh();
      else clearTimeout(timer);
    },
    /** A run was just submitted: list it now. @param {string} _runId */
    submitted(_runId) {
      void refresh();
    },
    open,
  };
}
