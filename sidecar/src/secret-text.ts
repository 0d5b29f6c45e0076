/**
 * @module
 * Redacts secrets written as text, such as an exception message that quotes
 * a connection string or a request header: values named like secrets (token,
 * api key, authorization, password, secret), bearer and basic credentials,
 * and the password of a URL. (Log fields are redacted by path, `logger.ts`.)
 */

export const REDACTED = '[redacted]';

// A name is split into words (`_`, `-`, camelCase) and holds a secret when
// one of its words ends with a secret word: `access_token`, `csrftoken`,
// `X-Api-Key`, `aws_secret_access_key` do; `max_tokens`, `input_tokens` and
// `tokenizer` (counts and settings, wanted in logs) do not.
const SECRET_WORDS = ['token', 'apikey', 'authorization', 'password', 'passwords', 'passwd', 'secret', 'secrets'] as const;
const isSecretName = (key: string) => {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[_-]+/);
  return words.some((word, at) => {
    const joined = word === 'api' && words[at + 1] === 'key' ? 'apikey' : word;
    return SECRET_WORDS.some((secret) => joined.endsWith(secret));
  });
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
