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
import { openLogDestination, writeThroughSync, type LogDestination } from './log-destination.js';
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
  const accessDestination = openLogDestination(options.fd ?? 1, { maxWrite: ACCESS_MAX_WRITE });
  const batch = new AccessBatch(accessDestination);
  const common = {
    level: options.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const log = pino({ ...common, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers: { err: serializeError } }, destination);
  const access = pino(common, batch);
  accessLoggers.set(log, access);
  accessWriters.set(access, (line) => batch.write(line));
  return log;
}

/**
 * The access lines waiting for their batch, in front of the destination.
 * The destination gets one string per batch: sonic-boom appends each write
 * to the string it holds and measures that string's bytes, which copies the
 * whole waiting batch once per line.
 */
class AccessBatch {
  private lines: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly destination: LogDestination) {}

  write(line: string): boolean {
    const size = Buffer.byteLength(line);
    if (this.bytes + size > ACCESS_MAX_WRITE) this.handOver();
    this.lines.push(line);
    this.bytes += size;
    if (this.bytes >= ACCESS_BATCH_BYTES) this.handOver();
    else this.timer ??= setTimeout(() => this.handOver(), ACCESS_FLUSH_MS).unref();
    return true;
  }

  /** What pino's flush() calls: the waiting lines go out asynchronously. */
  flush(): void {
    this.handOver();
  }

  /** Before an exit: the waiting lines and whatever the destination still holds go out now. */
  flushSync(): void {
    writeThroughSync(this.destination, this.take());
  }

  private handOver(): void {
    const text = this.take();
    if (text.length === 0) return;
    try {
      this.destination.write(text);
    } catch {
      // A destination closed at exit has nothing left to write to.
    }
  }

  /** The waiting lines as one string, and the batch empty again. */
  private take(): string {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const text = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.bytes = 0;
    return text;
  }
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
