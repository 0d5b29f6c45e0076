/**
 * @module
 * `@squire/client/internal`: the few low-level pieces the sidecar shares
 * with the SDK (one abortable sleep, one timeout, one cancellation shape),
 * so neither package writes them twice. Not public API: it changes with the
 * packages, which are released together.
 */
export { cancellationOf, type Cancellation } from './cancel.js';
export { sleep, withTimeout } from './timers.js';
