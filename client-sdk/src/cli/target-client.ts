/**
 * @module
 * The one-endpoint client that `call`, `health`, `describe`, `types` and
 * `runs` talk through, built from the same flags everywhere (`--token` or
 * `SQUIRE_TOKEN`, `--timeout-ms`), and the one way failures are reported.
 */
import { createClient, type SquireClient } from '../client.js';
import { isSquireError, SquireConfigError } from '../errors.js';
import { EXIT, UsageError } from './command.js';
import type { CliIo } from './io.js';

/** The client config's name for the single endpoint a command talks to. */
export const TARGET = 'target';

export const TARGET_OPTIONS = {
  token: { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const;

export const TARGET_USAGE = `<endpoint> is http://host:port, https://host:port or unix:/path/to.sock.
The token may also come from SQUIRE_TOKEN.`;

export function targetClient(endpoint: string | undefined, values: { token?: string | undefined }, io: CliIo, timeoutMs?: number): SquireClient {
  if (!endpoint) throw new UsageError('missing <endpoint>');
  const token = values.token ?? io.env.SQUIRE_TOKEN;
  try {
    return createClient({ sidecars: { [TARGET]: { url: endpoint, ...(token && { token }) } }, ...(timeoutMs !== undefined && { timeoutMs }) });
  } catch (error) {
    if (error instanceof SquireConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** Prints a failure as `code: message` (and the issues of an invalid input) on stderr; exit 1. */
export function reportFailure(io: CliIo, error: unknown): number {
  if (isSquireError(error)) {
    io.stderr.write(`${error.code}: ${error.message}\n`);
    if (error.problem?.issues) io.stderr.write(`${JSON.stringify(error.problem.issues, null, 2)}\n`);
  } else {
    io.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  }
  return EXIT.failed;
}
