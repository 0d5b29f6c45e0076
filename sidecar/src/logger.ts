/**
 * @module
 * The sidecar's one pino root logger. Secrets are redacted by path, and the
 * destination is asynchronous so logging one line per request stays off the
 * hot path; `flushLogs` runs before the process exits.
 */
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'token',
  'config.token',
  'config.openaiApiKey',
  'openaiApiKey',
  'apiKey',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  '*.apiKey',
  '*.api_key',
];

export interface LoggerOptions {
  level: string;
  /** Writable file descriptor; 1 (stdout) unless a test wants otherwise. */
  fd?: number;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = pino.destination({ dest: options.fd ?? 1, sync: false, minLength: 0 });
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export function flushLogs(logger: Logger): void {
  try {
    logger.flush();
    const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined;
    stream?.flushSync?.();
  } catch {
    // Flushing an already-closed destination at exit is harmless.
  }
}
