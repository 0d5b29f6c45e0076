/**
 * @module
 * The log destination, made safe to lose: when its reader goes away
 * (`squire-sidecar | head -3`, a `pino-pretty` stopped with Ctrl-C) or a
 * write fails for any other reason, the destination closes and later lines
 * are dropped. Logging must never block or end the process.
 *
 * Why this exists: pino's destination (sonic-boom) retries a failed
 * synchronous write forever, sleeping between attempts, EPIPE included, and
 * pino runs that synchronous flush at exit. A sidecar whose stdout had
 * closed therefore hung in its exit path after a SIGTERM, with the main
 * thread asleep so that not even a second signal could end it.
 */
import { writeSync } from 'node:fs';
import pino from 'pino';

export type LogDestination = ReturnType<typeof pino.destination>;

/** The part of sonic-boom's state (4.x, utf8 mode) the final flush needs. */
interface PendingLines {
  fd: number;
  /** Lines not handed to the OS yet, in order. */
  _bufs: string[];
  /** True while an asynchronous write of `_writingBuf` is under way. */
  _writing: boolean;
  _writingBuf: string;
}

/** A full pipe whose reader is alive but slow: how long the final flush waits for it. */
const FULL_PIPE_PATIENCE_MS = 1000;
const FULL_PIPE_POLL_MS = 10;

export interface LogDestinationOptions {
  /** Bytes to gather before an asynchronous write (0: write each line). @default 0 */
  minLength?: number;
  /** The largest single write, in bytes. */
  maxWrite?: number;
}

export function openLogDestination(fd: number, options: LogDestinationOptions = {}): LogDestination {
  const destination = pino.destination({ dest: fd, sync: false, minLength: options.minLength ?? 0, ...(options.maxWrite !== undefined && { maxWrite: options.maxWrite }) });
  let closed = false;
  const close = () => {
    closed = true;
    destination.write = () => true;
  };
  // Without a listener, a failed write would throw from sonic-boom's callback
  // and end the process; pino's own listener only covers EPIPE.
  destination.on('error', close);
  destination.flushSync = () => {
    if (closed) return;
    if (!writePendingSync(destination as unknown as PendingLines)) close();
  };
  return destination;
}

/**
 * Puts `text` behind the lines the destination holds and writes all of them
 * out synchronously (before an exit): a plain `write` would start an
 * asynchronous write that the exit can overtake.
 */
export function writeThroughSync(destination: LogDestination, text: string): void {
  if (text.length > 0) (destination as unknown as PendingLines)._bufs.push(text);
  destination.flushSync();
}

/** Writes what is pending at once; false when the destination turned out to be gone. */
function writePendingSync(state: PendingLines): boolean {
  // A write already under way owns `_writingBuf`; its callback settles it.
  if (!state._writing && state._writingBuf.length > 0) {
    state._bufs.unshift(state._writingBuf);
    state._writingBuf = '';
  }
  let pending = Buffer.from(state._bufs.join(''), 'utf8');
  state._bufs.length = 0;
  const giveUpAt = Date.now() + FULL_PIPE_PATIENCE_MS;
  while (pending.length > 0) {
    try {
      pending = pending.subarray(writeSync(state.fd, pending));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'EAGAIN' && code !== 'EBUSY') || Date.now() >= giveUpAt) return false;
      sleepSync(FULL_PIPE_POLL_MS);
    }
  }
  return true;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
