/**
 * @module
 * What every `squire` command shares: its shape, the exit codes, and the
 * usage error. One module per command implements `Command`; `cli.ts` only
 * dispatches, so a command's parsing, help and behaviour live together.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from './io.js';

/** 0 done; 1 the operation failed (a call, a run that did not succeed); 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The command's full usage text, printed by `--help` and with usage errors. */
  readonly usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Bad arguments: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
type HelpOption = { help: { type: 'boolean'; short: 'h' } };
export type ParsedArgs<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: T & HelpOption }>>;

/**
 * `util.parseArgs` in strict mode with `--help`, turning its errors into
 * `UsageError`s.
 */
export function parseCommandArgs<T extends Options>(argv: string[], options: T): ParsedArgs<T> {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...options, help: { type: 'boolean', short: 'h' } } as T & HelpOption });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A positive integer option, or undefined when absent. */
export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0) throw new UsageError(`${flag} must be a positive integer, got ${value}`);
  return number;
}

/** Parses a JSON option (`--input`). */
export function jsonOption(value: string | undefined, flag: string): unknown {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new UsageError(`${flag} is not JSON: ${(error as Error).message}`);
  }
}
