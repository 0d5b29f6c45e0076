/**
 * @module
 * A2A's errors on its JSON-RPC binding: the A2A-specific codes of the
 * specification's mapping table, and every sidecar refusal (auth, Host,
 * limits, capacity, drain) as a JSON-RPC error whose `data` is a list of
 * `google.rpc` details, as A2A 1.0 asks: an `ErrorInfo` carrying the
 * sidecar's stable code, and a `BadRequest` naming each invalid field.
 */
import type { SidecarError } from '../../errors.js';
import { RpcError, problemHeaders, rpcCodeOf } from '../json-rpc.js';

export const A2A_CODES = {
  taskNotFound: -32001,
  taskNotCancelable: -32002,
  pushNotificationNotSupported: -32003,
  unsupportedOperation: -32004,
  contentTypeNotSupported: -32005,
  versionNotSupported: -32009,
} as const;

export const A2A_ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';

export function a2aError(code: number, message: string, reason: string): RpcError {
  return new RpcError(code, message, { data: [{ '@type': A2A_ERROR_INFO, reason, domain: 'squire' }] });
}

export function a2aErrorFromSidecar(error: SidecarError): RpcError {
  const details: Array<Record<string, unknown>> = [
    {
      '@type': A2A_ERROR_INFO,
      reason: error.code.toUpperCase(),
      domain: 'squire',
      metadata: {
        code: error.code,
        retryable: String(error.retryable),
        ...(error.runId !== undefined && { run_id: error.runId }),
        ...(error.retryAfter !== undefined && { retry_after: String(error.retryAfter) }),
      },
    },
  ];
  if (error.issues?.length) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: error.issues.map((issue) => ({ field: issue.path.join('.'), description: issue.message })),
    });
  }
  return new RpcError(rpcCodeOf(error), error.message, { data: details, status: error.status, headers: problemHeaders(error) });
}
