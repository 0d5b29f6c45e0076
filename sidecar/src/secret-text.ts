/**
 * @module
 * Redacts secrets written as text, such as an exception message that quotes
 * a connection string or a request header, with the rules the logger applies
 * to secrets it finds by field name: the same names (token, api key,
 * authorization, password, secret) and bearer credentials.
 */

/** Field names whose values are secrets, in text and (see `logger.ts`) as log fields. */
export const SECRET_NAMES = ['token', 'apiKey', 'api_key', 'api-key', 'authorization', 'password', 'passwd', 'secret', 'openaiApiKey'] as const;

export const REDACTED = '[redacted]';

const NAMES = [...new Set(SECRET_NAMES.map((name) => name.toLowerCase().replace(/[-_]/g, '')))];
const isSecretName = (key: string) => {
  const bare = key.toLowerCase().replace(/[-_]/g, '');
  return NAMES.some((name) => bare.includes(name));
};

// No input (a 1 MB base64 blob in a message) makes these patterns backtrack
// more than linearly: what can repeat before a choice is bounded, and each
// value is one greedy character class with nothing after it to retry.
// `name=value`, `name: value`, `"name":"value"`, where the name holds a secret
// name with `_`/`-` anywhere (`api_key`, `API-KEY`, `access_token`); the value
// runs to a space, quote, `&`, `,` or `;`.
const KEY = /\b([A-Za-z][\w-]{0,63})(["']?[ \t]{0,8}[:=][ \t]{0,8}["']?)/g;
const VALUE = /(?:(?:Bearer|Basic)[ \t]{1,8})?[^\s"'&,;]+/y;
const CREDENTIAL = /\b(Bearer|Basic)[ \t]{1,8}[\w\-.~+/]+=*/gi;
// userinfo in a URL: scheme://user:password@host
const URL_PASSWORD = /(\b[a-z][\w+.-]{0,31}:\/\/[^\s:/@]*:)[^\s@/]+@/gi;

export function redactSecretText(text: string): string {
  return redactAssignments(text).replace(CREDENTIAL, `$1 ${REDACTED}`).replace(URL_PASSWORD, `$1${REDACTED}@`);
}

function redactAssignments(text: string): string {
  let redacted = '';
  let copied = 0;
  KEY.lastIndex = 0;
  for (let key = KEY.exec(text); key !== null; key = KEY.exec(text)) {
    // A key that is no secret consumes only itself and its separator, so the
    // scan goes on inside its value (`failed: password=…`).
    if (!isSecretName(key[1]!)) continue;
    VALUE.lastIndex = KEY.lastIndex;
    if (VALUE.exec(text) === null) continue;
    redacted += `${text.slice(copied, KEY.lastIndex)}${REDACTED}`;
    copied = KEY.lastIndex = VALUE.lastIndex;
  }
  return redacted + text.slice(copied);
}

/** Redacts every string inside a serialized value (an error with its causes), returning a copy. */
export function redactSecretsDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactSecretText(value) as T;
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => redactSecretsDeep(item, depth + 1)) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = redactSecretsDeep(item, depth + 1);
  return copy as T;
}
