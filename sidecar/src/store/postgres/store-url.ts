/**
 * @module
 * The URL of a PostgreSQL store as an operator writes it
 * (`postgres://user:password@host:5432/db?sslmode=require`): checked at
 * start-up, and shown in logs and messages only without its password.
 */

/** The URL with its password replaced, for logs and error messages. */
export function redactStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[an unparsable store URL]';
  }
}

/** Why `url` cannot be a PostgreSQL store URL; undefined when it can. */
export function storeUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be a URL such as postgres://user:password@host:5432/database';
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return `must be a postgres:// or postgresql:// URL, got ${parsed.protocol}//…`;
  if (!parsed.hostname) return 'must name the database host, as in postgres://user:password@host:5432/database';
  return undefined;
}
