/**
 * @module
 * Where a command writes, and how it decides between people and programs:
 * on a terminal it prints for reading (indented JSON, tables, a live progress
 * line, colour unless `NO_COLOR`); piped, it prints one JSON value per line,
 * so `jq` and scripts get a stable stream.
 */

export interface CliStream {
  write(chunk: string): boolean;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  env: NodeJS.ProcessEnv;
  /** The directory relative paths are resolved against. */
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** True when stdout is a terminal: print for people. */
export function forPeople(io: CliIo): boolean {
  return io.stdout.isTTY === true;
}

/** One JSON value: indented on a terminal, one line when piped. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${forPeople(io) ? JSON.stringify(value, null, 2) : JSON.stringify(value)}\n`);
}

/** One JSON value per line, whatever stdout is. */
export function printJsonLine(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * Colour for a stream: only on a terminal, never with `NO_COLOR`, always
 * with `FORCE_COLOR` (https://no-color.org, https://force-color.org).
 */
export function useColour(stream: CliStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(text: string, colour: Colour, enabled: boolean): string {
  return enabled ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}
