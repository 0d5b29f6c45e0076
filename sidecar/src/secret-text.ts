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

const names = [...new Set(SECRET_NAMES.map((name) => name.replace(/[-_]/g, '')))].sort((a, b) => b.length - a.length);
// `name=value`, `name: value`, `"name":"value"`, with `_`/`-` anywhere in the name
// (`api_key`, `API-KEY`, `access_token`); the value runs to a space, quote, `&`, `,` or `;`.
const ASSIGNMENT = new RegExp(`([\\w-]*(?:${names.map((name) => name.split('').join('[-_]?')).join('|')})[\\w-]*["']?\\s*[:=]\\s*["']?)(?:(?:Bearer|Basic)\\s+)?[^\\s"'&,;]+`, 'gi');
const CREDENTIAL = /\b(Bearer|Basic)\s+[\w\-.~+/]+=*/gi;
// userinfo in a URL: scheme://user:password@host
const URL_PASSWORD = /(\b[a-z][\w+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;

export function redactSecretText(text: string): string {
  return text.replace(ASSIGNMENT, `$1${REDACTED}`).replace(CREDENTIAL, `$1 ${REDACTED}`).replace(URL_PASSWORD, `$1${REDACTED}@`);
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
