/**
 * @module
 * Building the page without `innerHTML`: every string becomes a text node or
 * an attribute value, so a description, an input or an agent's output can
 * never turn into markup, whatever it holds.
 */

/** @typedef {Node | string | number | false | null | undefined} Child */
/** @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attributes */

/**
 * An element with attributes (`on*` functions become listeners; `true` is an
 * empty attribute; `false`, `null` and `undefined` are left out) and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes | null} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/**
 * @param {Element} parent
 * @param {Array<Child | Child[]>} children
 */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(typeof child === 'object' ? child : String(child));
  }
}

/**
 * Replaces every child of `parent`.
 * @param {Element} parent
 * @param {...(Child | Child[])} children
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * A value as indented JSON, in a `<pre>`.
 * @param {unknown} value
 * @param {string} [label] accessible name of the block
 */
export function jsonBlock(value, label) {
  return h('pre', { class: 'json', tabindex: 0, 'aria-label': label }, value === undefined ? '—' : JSON.stringify(value, null, 2));
}

let idCounter = 0;

/**
 * An `id` unique in this page, for label/aria references.
 * @param {string} prefix
 */
export function uniqueId(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * A link only for http(s) addresses: anything else (a `javascript:` URL in a
 * document) is shown as text.
 * @param {string} href
 * @param {string} [text]
 */
export function safeLink(href, text = href) {
  return /^https?:\/\//i.test(href) ? h('a', { href, rel: 'noreferrer noopener', target: '_blank' }, text) : h('span', null, text);
}

/**
 * A run or HTTP status as a coloured badge.
 * @param {string} status
 */
export function statusBadge(status) {
  return h('span', { class: `badge status-${status.replace(/[^a-z_]/gi, '')}` }, status.replace(/_/g, ' '));
}

/**
 * A timestamp as local time, with the ISO string as its tooltip.
 * @param {string | undefined} iso
 */
export function timeText(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  return h('time', { datetime: iso, title: iso }, date.toLocaleTimeString(undefined, { hour12: false }));
}
