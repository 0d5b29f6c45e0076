/**
 * @module
 * The sidecar's one pino root logger. Secrets are redacted by path, and the
 * destination is asynchronous so logging one line per request stays off the
 * hot path; `flushLogs` runs before the process exits.
 */
import pino, { type Logger } from 'pino';
import { openLogDestination } from './log-destination.js';
import { redactSecretsDeep } from './secret-text.js';

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
  'password',
  '*.password',
  '*.secret',
];

/**
 * An error's message and stack are text an agent or a library wrote: they
 * get the secret rules as text (`password=…`, `Bearer …`, `api_key=…`).
 */
const serializeError = (error: Error) => redactSecretsDeep(pino.stdSerializers.err(error));

export interface LoggerOptions {
  level: string;
  /** Writable file descriptor; 1 (stdout) unless a test wants otherwise. */
  fd?: number;
}

const accessLoggers = new WeakMap<Logger, Logger>();

export function createLogger(options: LoggerOptions): Logger {
  const destination = openLogDestination(options.fd ?? 1);
  const common = {
    level: options.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const log = pino({ ...common, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers: { err: serializeError } }, destination);
  accessLoggers.set(log, pino(common, destination));
  return log;
}

/**
 * The logger of the one line per request: `log`'s twin on the same
 * destination, without the redactor. That line holds only fields the
 * sidecar builds itself (ids, agent, method, path, status, duration,
 * traceparent), none of them a redacted path, while the `*.` redact paths
 * make pino pass every field through the redactor: a third of the line's
 * cost. A logger not made by `createLogger` (tests) is its own twin.
 */
export function accessLogger(log: Logger): Logger {
  return accessLoggers.get(log) ?? log;
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
