/**
 * @module
 * The bearer token the page sends: kept in this tab's `sessionStorage`
 * (gone when the tab closes, never shared with another tab or written to a
 * URL), asked for in a dialog when the sidecar answers 401.
 */

const KEY = 'squire.console.token';

/** @returns {string | undefined} */
export function currentToken() {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    // Storage can be disabled; the page then works for sidecars without a token.
    return undefined;
  }
}

/** @param {string | undefined} token */
function storeToken(token) {
  try {
    if (token === undefined) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // See currentToken.
  }
}

/**
 * Wires the token dialog and the header button.
 * @param {{ onChange: () => void }} options called after the token is set or forgotten
 * @returns {{ ask(reason?: string): void }}
 */
export function tokenDialog({ onChange }) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('token-dialog'));
  const form = /** @type {HTMLFormElement} */ (document.getElementById('token-form'));
  const input = /** @type {HTMLInputElement} */ (document.getElementById('token-input'));
  const reason = /** @type {HTMLElement} */ (document.getElementById('token-reason'));
  const button = /** @type {HTMLButtonElement} */ (document.getElementById('token-button'));
  const defaultReason = reason.textContent ?? '';

  const showState = () => {
    const set = currentToken() !== undefined;
    button.textContent = set ? 'Token: set' : 'Token';
    button.setAttribute('aria-label', set ? 'Bearer token (set): change or forget it' : 'Bearer token (none): set one');
  };
  /** @param {string} [why] */
  const ask = (why) => {
    reason.textContent = why ?? defaultReason;
    input.value = '';
    if (!dialog.open) dialog.showModal();
    input.focus();
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (token === '') {
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    input.removeAttribute('aria-invalid');
    storeToken(token);
    input.value = '';
    dialog.close();
    showState();
    onChange();
  });
  /** @type {HTMLButtonElement} */ (document.getElementById('token-forget')).addEventListener('click', () => {
    storeToken(undefined);
    dialog.close();
    showState();
    onChange();
  });
  /** @type {HTMLButtonElement} */ (document.getElementById('token-cancel')).addEventListener('click', () => dialog.close());
  button.addEventListener('click', () => ask());
  showState();
  return { ask };
}
