/**
 * @module
 * The logger the SDK accepts: structural, so pino, console-like loggers or a
 * test double fit without the SDK importing any of them.
 */
export interface LogFn {
  (object: Record<string, unknown>, message?: string): void;
  (message: string): void;
}

export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
}
