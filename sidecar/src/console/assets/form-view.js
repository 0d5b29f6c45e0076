/**
 * @module
 * The generated input form: one labelled control per field of the schema
 * (see `form-model.js`), read back into a JSON value, written from one, and
 * marked with the sidecar's own validation issues (`invalid_input`'s
 * `issues`) next to the fields they name.
 */
import { h, uniqueId } from './dom.js';
import { canShow, formatText, parseText, pathKey, resolveEmpty } from './form-model.js';

/** @typedef {import('./form-model.js').Field} Field */
/** @typedef {import('./form-model.js').ScalarField} ScalarField */
/** @typedef {import('./form-model.js').JsonField} JsonField */
/** @typedef {{ path: Array<string | number>, message: string }} Issue */
/** @typedef {{ present: boolean, value?: unknown, issues: Issue[] }} Reading */
/**
 * @typedef {object} Control
 * @property {HTMLElement} element
 * @property {(path: Array<string | number>) => Reading} read
 * @property {(value: unknown) => void} write
 */
/** @typedef {{ setError(message: string | undefined): void, focus(): void }} Marker */

/**
 * @param {Field} root the described input schema
 * @param {string} label what the whole value is called (for a scalar root)
 */
export function createSchemaForm(root, label) {
  /** @type {Map<string, Marker>} */
  const markers = new Map();
  const summary = h('p', { class: 'error', role: 'alert', hidden: true });
  const control = build(root, label, true, [], markers, true);
  const element = h('div', { class: 'schema-form' }, summary, control.element);

  const clearIssues = () => {
    for (const marker of markers.values()) marker.setError(undefined);
    summary.hidden = true;
  };
  /** @param {ReadonlyArray<Issue>} issues */
  const showIssues = (issues) => {
    clearIssues();
    const unplaced = [];
    for (const issue of issues) {
      const marker = markers.get(pathKey(issue.path));
      if (marker) marker.setError(issue.message);
      else unplaced.push(`${issue.path.length > 0 ? `${pathKey(issue.path)}: ` : ''}${issue.message}`);
    }
    summary.textContent = unplaced.join('; ');
    summary.hidden = unplaced.length === 0;
    const first = issues.map((issue) => markers.get(pathKey(issue.path))).find(Boolean);
    first?.focus();
  };
  return {
    element,
    /** The value, and the problems found reading it (shown next to their fields). */
    read() {
      const reading = control.read([]);
      showIssues(reading.issues);
      return { value: reading.present ? reading.value : undefined, issues: reading.issues };
    },
    /**
     * Fills the form from `value`; false (and unchanged) when the form cannot show it.
     * @param {unknown} value
     */
    write(value) {
      if (!canShow(root, value)) return false;
      clearIssues();
      control.write(value);
      return true;
    },
    showIssues,
    clearIssues,
  };
}

/**
 * @param {Field} field
 * @param {string} name
 * @param {boolean} required
 * @param {Array<string | number>} path
 * @param {Map<string, Marker>} markers
 * @param {boolean} [top] the whole form (an object shows no frame of its own)
 * @returns {Control}
 */
function build(field, name, required, path, markers, top = false) {
  if (field.kind === 'object') return objectControl(field, name, required, path, markers, top);
  if (field.kind === 'array') return arrayControl(field, name, required, path, markers);
  return scalarControl(field, name, required, path, markers);
}

/**
 * @param {import('./form-model.js').ObjectField} field
 * @param {string} name
 * @param {boolean} required
 * @param {Array<string | number>} path
 * @param {Map<string, Marker>} markers
 * @param {boolean} top
 * @returns {Control}
 */
function objectControl(field, name, required, path, markers, top) {
  const children = field.properties.map((property) => ({
    name: property.name,
    control: build(property.field, property.name, property.required, [...path, property.name], markers),
  }));
  const body = children.map((child) => child.control.element);
  const element = top
    ? h('div', { class: 'fields' }, body)
    : h('fieldset', { class: 'fields nested' }, h('legend', null, name, required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null), hint(field), body);
  return {
    element,
    read(at) {
      /** @type {Record<string, unknown>} */
      const value = {};
      /** @type {Issue[]} */
      const issues = [];
      for (const child of children) {
        const reading = child.control.read([...at, child.name]);
        if (reading.present) value[child.name] = reading.value;
        issues.push(...reading.issues);
      }
      const present = required || Object.keys(value).length > 0;
      return { present, value, issues };
    },
    write(value) {
      const record = /** @type {Record<string, unknown>} */ (value ?? {});
      for (const child of children) child.control.write(record[child.name]);
    },
  };
}

/**
 * A list of scalar items, each with its own remove button.
 * @param {import('./form-model.js').ArrayField} field
 * @param {string} name
 * @param {boolean} required
 * @param {Array<string | number>} path
 * @param {Map<string, Marker>} markers
 * @returns {Control}
 */
function arrayControl(field, name, required, path, markers) {
  /** @type {Control[]} */
  let rows = [];
  const list = h('ol', { class: 'array-items' });
  const error = h('p', { class: 'error field-error', id: uniqueId('error'), hidden: true });
  const add = h('button', { type: 'button', class: 'ghost small', onclick: () => addRow(undefined, true) }, `Add ${name} item`);
  const renumber = () => rows.forEach((row, index) => {
    const input = row.element.querySelector('input, select, textarea');
    input?.setAttribute('aria-label', `${name} item ${index + 1}`);
    row.element.querySelector('button')?.setAttribute('aria-label', `Remove ${name} item ${index + 1}`);
  });
  /** @param {unknown} value @param {boolean} focus */
  const addRow = (value, focus) => {
    const itemField = field.items.kind === 'string' ? { ...field.items, multiline: false } : field.items;
    const item = scalarControl(itemField, `${name} item`, true, [...path, rows.length], markers, true);
    const row = h('li', null, item.element);
    const remove = h('button', { type: 'button', class: 'ghost small' }, 'Remove');
    remove.addEventListener('click', () => {
      rows = rows.filter((candidate) => candidate !== entry);
      row.remove();
      renumber();
      add.focus();
    });
    row.append(remove);
    /** @type {Control} */
    const entry = { element: row, read: item.read, write: item.write };
    rows.push(entry);
    list.append(row);
    item.write(value);
    renumber();
    if (focus) /** @type {HTMLElement | null} */ (row.querySelector('input, select, textarea'))?.focus();
  };
  markers.set(pathKey(path), {
    setError(message) {
      error.textContent = message ?? '';
      error.hidden = message === undefined;
    },
    focus: () => add.focus(),
  });
  const element = h('fieldset', { class: 'fields nested', 'aria-describedby': error.id }, h('legend', null, name, required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null), hint(field), list, add, error);
  if (Array.isArray(field.default)) field.default.forEach((item) => addRow(item, false));
  return {
    element,
    read(at) {
      /** @type {Issue[]} */
      const issues = [];
      const value = rows.map((row, index) => {
        const reading = row.read([...at, index]);
        issues.push(...reading.issues);
        return reading.value;
      });
      if (value.length === 0) {
        const empty = resolveEmpty(field, required);
        return 'value' in empty ? { present: true, value: empty.value, issues } : { present: false, issues };
      }
      return { present: true, value, issues };
    },
    write(value) {
      rows = [];
      list.replaceChildren();
      if (Array.isArray(value)) value.forEach((item) => addRow(item, false));
    },
  };
}

/**
 * One input: text, number, textarea, checkbox, or a select for enums and optional booleans.
 * @param {ScalarField | JsonField} field
 * @param {string} name
 * @param {boolean} required
 * @param {Array<string | number>} path
 * @param {Map<string, Marker>} markers
 * @param {boolean} [bare] inside a list: no label of its own
 * @returns {Control}
 */
function scalarControl(field, name, required, path, markers, bare = false) {
  const id = uniqueId('field');
  const error = h('p', { class: 'error field-error', id: `${id}-error`, hidden: true });
  const description = hint(field, `${id}-hint`);
  const describedBy = [description ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
  const input = inputFor(field, id, required, describedBy);
  const checkbox = input instanceof HTMLInputElement && input.type === 'checkbox' ? input : undefined;
  markers.set(pathKey(path), {
    setError(message) {
      error.textContent = message ?? '';
      error.hidden = message === undefined;
      if (message === undefined) input.removeAttribute('aria-invalid');
      else input.setAttribute('aria-invalid', 'true');
    },
    focus: () => input.focus(),
  });
  const label = bare ? null : h('label', { for: id }, name, required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null, h('span', { class: 'type' }, typeHint(field)));
  const element = checkbox
    ? h('div', { class: 'field checkbox' }, input, label, description, error)
    : h('div', { class: bare ? 'field bare' : 'field' }, label, description, input, error);
  const control = {
    element,
    /** @param {Array<string | number>} at */
    read(at) {
      if (checkbox) return { present: true, value: checkbox.checked, issues: [] };
      const parsed = parseText(field, input.value);
      if (parsed.state === 'error') return { present: false, issues: [{ path: at, message: parsed.message }] };
      if (parsed.state === 'value') return { present: true, value: parsed.value, issues: [] };
      const empty = resolveEmpty(field, required);
      if ('error' in empty) return { present: false, issues: [{ path: at, message: empty.error }] };
      return 'value' in empty ? { present: true, value: empty.value, issues: [] } : { present: false, issues: [] };
    },
    /** @param {unknown} value */
    write(value) {
      if (checkbox) checkbox.checked = value === true;
      else input.value = formatText(field, value);
    },
  };
  if (field.default !== undefined) control.write(field.default);
  return control;
}

/**
 * @param {ScalarField | JsonField} field
 * @param {string} id
 * @param {boolean} required
 * @param {string} describedBy
 * @returns {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement}
 */
function inputFor(field, id, required, describedBy) {
  const common = { id, name: id, 'aria-describedby': describedBy, 'aria-required': required ? 'true' : undefined };
  switch (field.kind) {
    case 'boolean':
      if (required && !field.nullable) return h('input', { ...common, type: 'checkbox' });
      return h('select', common, h('option', { value: '' }, '— not set —'), h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'));
    case 'enum':
      return h('select', common, h('option', { value: '' }, required ? '— choose —' : '— not set —'), field.options.map((option, index) => h('option', { value: String(index) }, JSON.stringify(option))));
    case 'number':
    case 'integer':
      return h('input', { ...common, type: 'text', inputmode: field.kind === 'integer' ? 'numeric' : 'decimal', autocomplete: 'off' });
    case 'json':
      return h('textarea', { ...common, class: 'code', rows: 4, spellcheck: 'false', placeholder: 'JSON' });
    case 'string':
      if (field.multiline) return h('textarea', { ...common, rows: 3, maxlength: field.maxLength });
      return h('input', { ...common, type: field.inputType, maxlength: field.maxLength, autocomplete: 'off' });
  }
}

/** @param {Field} field @param {string} [id] */
function hint(field, id) {
  const text = [field.description, field.kind === 'json' ? `Raw JSON: ${field.reason}.` : undefined].filter(Boolean).join(' ');
  return text ? h('p', { class: 'hint', id }, text) : null;
}

/** @param {ScalarField | JsonField} field */
function typeHint(field) {
  const base = baseTypeHint(field);
  return field.nullable && field.kind !== 'json' ? `${base} | null (empty sends null)` : base;
}

/** @param {ScalarField | JsonField} field */
function baseTypeHint(field) {
  switch (field.kind) {
    case 'number':
    case 'integer': {
      // zod gives every integer the safe-integer bounds: not worth showing.
      const shown = (/** @type {number | undefined} */ bound) => bound !== undefined && Math.abs(bound) < Number.MAX_SAFE_INTEGER;
      const bounds = [shown(field.minimum) ? `≥ ${field.minimum}` : '', shown(field.maximum) ? `≤ ${field.maximum}` : ''].filter(Boolean).join(', ');
      return bounds ? `${field.kind}, ${bounds}` : field.kind;
    }
    case 'string':
      return field.format ?? 'string';
    default:
      return field.kind;
  }
}
