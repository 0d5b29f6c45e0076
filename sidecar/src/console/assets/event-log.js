/**
 * @module
 * One run's events as they arrive, shown the same way for a streamed call
 * and for a background run's replay: the model's text as it streams, a list
 * of what happened (tool calls and results, progress, the end), and the
 * result or the problem. Deltas grow one line of the list rather than
 * adding one line each.
 */
import { h, jsonBlock, replace, statusBadge } from './dom.js';

/** @typedef {{ type: string, seq?: number, [field: string]: any }} RunEvent */

/**
 * @param {{ title: string }} options
 */
export function createRunView({ title }) {
  const status = h('p', { class: 'run-status', role: 'status' });
  const answer = h('pre', { class: 'answer', 'aria-live': 'polite', 'aria-busy': 'false', 'aria-label': `${title}: streamed text` });
  const answerBox = h('div', { hidden: true }, h('h4', { 'aria-hidden': 'true' }, 'Streamed text'), answer);
  const events = h('ol', { class: 'events', 'aria-label': `${title}: events` });
  const result = h('div', { class: 'result' });
  const element = h('div', { class: 'run-view' }, status, answerBox, result, h('details', { class: 'events-box', open: true }, h('summary', null, 'Events'), events));
  /** @type {{ row: HTMLElement, count: number } | undefined} */
  let deltas;

  /** @param {string} state @param {string} [text] */
  const setStatus = (state, text) => replace(status, statusBadge(state), text ? ` ${text}` : null);

  return {
    element,
    /** Empties the view for a new run. */
    reset() {
      replace(status);
      answer.textContent = '';
      answerBox.hidden = true;
      events.replaceChildren();
      replace(result);
      deltas = undefined;
    },
    setStatus,
    /** @param {boolean} busy */
    busy(busy) {
      answer.setAttribute('aria-busy', String(busy));
    },
    /** @param {RunEvent} event */
    add(event) {
      if (event.type === 'run.delta') {
        answerBox.hidden = false;
        answer.textContent += String(event.delta ?? '');
        if (!deltas) {
          deltas = { row: h('li', { class: 'event' }), count: 0 };
          events.append(deltas.row);
        }
        deltas.count += 1;
        replace(deltas.row, eventType(event.type), ` ${deltas.count} piece${deltas.count === 1 ? '' : 's'} of text`);
        return;
      }
      deltas = undefined;
      events.append(h('li', { class: 'event' }, eventType(event.type), describe(event)));
      if (event.type === 'run.started') setStatus('running', event.attempt > 1 ? `attempt ${event.attempt}` : undefined);
      if (event.type === 'run.completed') {
        const outcome = event.result ?? {};
        setStatus('succeeded', timing(outcome.timing));
        replace(result, h('h4', null, 'Output'), jsonBlock(outcome.output, `${title}: output`), usage(outcome.usage));
      }
      if (event.type === 'run.failed') showProblem(event.error ?? {});
    },
    showProblem,
  };

  /** @param {Record<string, any>} problem */
  function showProblem(problem) {
    setStatus(problem.code === 'cancelled' ? 'cancelled' : 'failed', `${problem.code ?? ''}${problem.detail ? `: ${problem.detail}` : ''}`);
    replace(result, h('h4', null, 'Problem'), jsonBlock(problem, `${title}: problem`));
  }
}

/** @param {string} type */
function eventType(type) {
  return h('code', { class: `event-type ${type.replace(/\W/g, '-')}` }, type);
}

/** @param {RunEvent} event @returns {Array<Node | string>} */
function describe(event) {
  switch (event.type) {
    case 'run.started':
      return [` attempt ${event.attempt ?? 1}`];
    case 'run.tool_call':
      return [' ', h('strong', null, String(event.name)), inline(event.arguments)];
    case 'run.tool_result':
      return [' ', h('strong', null, String(event.name)), event.error !== undefined ? h('span', { class: 'error-text' }, ` error: ${String(event.error)}`) : inline(event.result)];
    case 'run.progress':
      return [inline(event.data)];
    case 'run.completed':
      return [' ', statusBadge('succeeded')];
    case 'run.failed':
      return [' ', h('span', { class: 'error-text' }, `${event.error?.code ?? 'failed'}: ${event.error?.detail ?? ''}`)];
    default:
      return [inline(event)];
  }
}

/** @param {unknown} value */
function inline(value) {
  const text = JSON.stringify(value);
  return h('code', { class: 'inline-json' }, ` ${text === undefined ? '' : text.length > 300 ? `${text.slice(0, 300)}…` : text}`);
}

/** @param {Record<string, number> | undefined} value */
function timing(value) {
  return value ? `in ${Math.round(value.total_ms ?? value.run_ms ?? 0)} ms` : undefined;
}

/** @param {Record<string, number> | undefined} value */
function usage(value) {
  if (!value || !value.llm_calls) return null;
  return h('p', { class: 'muted' }, `${value.llm_calls} model call${value.llm_calls === 1 ? '' : 's'}, ${value.input_tokens} input and ${value.output_tokens} output tokens`);
}
