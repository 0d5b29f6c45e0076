/**
 * @module
 * The errors a store backend raises, typed so that callers never have to
 * read a driver's error codes. A store that cannot be reached, or that was
 * closed, answers `store_unavailable` (503, retryable): the caller's retry
 * is safe because nothing was acknowledged. A write the database refused
 * for its own content is `StoreRejectedError`, for that operation alone. A
 * store that cannot be opened (locked by another process, owned by another
 * agent, corrupt, written by a newer sidecar) is `StoreOpenError`, which
 * stops start-up with exit 2 and says what to do.
 */
import { SidecarError } from '../errors.js';

export class StoreUnavailableError extends SidecarError {
  constructor(detail: string, cause?: unknown) {
    super('store_unavailable', detail, { cause, retryAfter: 1 });
  }
}

export class StoreRejectedError extends SidecarError {
  constructor(detail: string, cause?: unknown) {
    super('internal_error', detail, { cause });
  }
}

export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
}

export function isStoreUnavailable(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError;
}
