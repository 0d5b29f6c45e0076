/**
 * @module
 * The sidecar's one pino root logger. Secrets are redacted by path, and the
 * destination is asynchronous so logging stays off the hot path; `flushLogs`
 * runs before the process exits.
 *
 * The access log (one line per request) has a destination of its own on the
 * same file descriptor that buffers lines and writes them in batches: once
 * ~3.5 KiB are waiting, ACCESS_FLUSH_MS after the first waiting line, on
 * drain, and on a fatal error. A write per line costs a trip through libuv's
 * thread pool on every call. What a `kill -9` (or a crash of Node itself)
 * can lose is the access lines of the last ACCESS_FLUSH_MS; every other line
 * (start-up, errors, drain) goes out as it is logged.
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

/** How long an access line may wait in the buffer. */
export const ACCESS_FLUSH_MS = 100;
/** Batches stay below PIPE_BUF, so a batch is one atomic write that never splits a line of the other destination. */
const ACCESS_MAX_WRITE = 4096;
const ACCESS_BATCH_BYTES = ACCESS_MAX_WRITE - 512;

const accessLoggers = new WeakMap<Logger, Logger>();

export function createLogger(options: LoggerOptions): Logger {
  const destination = openLogDestination(options.fd ?? 1);
  // Closed-stdout safe like the other: a failed write drops the access lines, never blocks the exit.
  const accessDestination = openLogDestination(options.fd ?? 1, { minLength: ACCESS_BATCH_BYTES, maxWrite: ACCESS_MAX_WRITE });
  let flushTimer: NodeJS.Timeout | undefined;
  const flushSoon = () => {
    flushTimer ??= setTimeout(() => {
      flushTimer = undefined;
      try {
        accessDestination.flush();
      } catch {
        // A destination closed at exit has nothing left to write.
      }
    }, ACCESS_FLUSH_MS).unref();
  };
  const common = {
    level: options.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const log = pino({ ...common, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers: { err: serializeError } }, destination);
  const access = pino({ ...common, hooks: { streamWrite: (line: string) => (flushSoon(), line) } }, accessDestination);
  accessLoggers.set(log, access);
  accessWriters.set(access, (line) => {
    accessDestination.write(line);
    flushSoon();
  });
  return log;
}

/** Writes whole lines (pino's format, built by the caller) to an access logger's destination. */
export type AccessLineWriter = (line: string) => void;

const accessWriters = new WeakMap<Logger, AccessLineWriter>();

/**
 * The raw line writer behind an access logger made by `createLogger`:
 * the request line is the same few fields every time, and building it as
 * a string costs a fraction of pino's generic serialization. Undefined for
 * any other logger (tests), which then gets the line through pino.
 */
export function accessLineWriter(access: Logger): AccessLineWriter | undefined {
  return accessWriters.get(access);
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

/** Writes out everything `logger` and its access logger hold, synchronously (before an exit). */
export function flushLogs(logger: Logger): void {
  const access = accessLoggers.get(logger);
  for (const each of access ? [access, logger] : [logger]) {
    try {
      // Only the synchronous flush: pino's own flush() would first hand the
      // waiting lines to an asynchronous write, which the exit can overtake.
      const stream = (each as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined;
      if (stream?.flushSync) stream.flushSync();
      else each.flush();
    } catch {
      // Flushing an already-closed destination at exit is harmless.
    }
  }
}
