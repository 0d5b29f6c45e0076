/**
 * @module
 * Turns better-sqlite3's errors into the store's typed ones: a closed
 * connection or an error of the file or the system (busy, I/O, disk full,
 * corruption) is `StoreUnavailableError` — retryable, nothing acknowledged —
 * and anything else is the database refusing that one write.
 */
import { SidecarError } from '../../errors.js';
import { StoreRejectedError, StoreUnavailableError } from '../errors.js';

const SYSTEM_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|NOMEM|INTERRUPT|PROTOCOL|CORRUPT|NOTADB|PERM|AUTH|NOLFS)/;

export function storeFailure(error: unknown, action: string): SidecarError {
  if (error instanceof SidecarError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error)?.message ?? String(error);
  if (/connection is not open/.test(message)) return new StoreUnavailableError(`the store is closed: cannot ${action}`, error);
  if (typeof code === 'string' && SYSTEM_CODES.test(code)) return new StoreUnavailableError(`the store cannot ${action} now (${code})`, error);
  return new StoreRejectedError(`the store refused to ${action}: ${message}`, error);
}

/** Runs a synchronous read, rejecting with the store's typed error. */
export function direct<T>(action: string, query: () => T): Promise<T> {
  try {
    return Promise.resolve(query());
  } catch (error) {
    return Promise.reject(storeFailure(error, action));
  }
}
