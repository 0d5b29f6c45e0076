/**
 * @module
 * What a store keeps is JSON text, serialised by the caller *before* the
 * operation is handed to the store. A value that cannot be serialised (too
 * deep for the recursive `JSON.stringify`, circular, a BigInt) then fails the
 * one call that brought it, with a clear 4xx, instead of failing inside a
 * group commit where it would take other callers' writes down with it.
 */
import { SidecarError } from '../errors.js';

/** Serialises `value` for the store; `what` names it in the error (e.g. "input"). */
export function toStoredJson(value: unknown, what: string): string {
  try {
    return JSON.stringify(value ?? null);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new SidecarError('body_too_deep', `the ${what} nests too deeply to be stored`, { cause: error });
    }
    throw new SidecarError('invalid_request', `the ${what} cannot be stored as JSON: ${(error as Error).message}`, { cause: error });
  }
}
