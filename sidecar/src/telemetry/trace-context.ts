/**
 * @module
 * W3C trace context as plain strings, without OpenTelemetry loaded: the
 * trace id of a `traceparent`, and the trace id a run's log lines carry when
 * no trace reached the sidecar (derived from the run id, so every line of a
 * run, on every attempt and in every process, carries the same one).
 */

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}(?:-|$)/;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

export interface ParsedTraceparent {
  traceId: string;
  spanId: string;
  /** `sampled` flag (bit 0 of the trace flags). */
  sampled: boolean;
}

/** The parts of a valid `traceparent`; undefined for anything else (so a malformed header starts a new trace). */
export function parseTraceparent(header: string | undefined): ParsedTraceparent | undefined {
  if (header === undefined) return undefined;
  const value = header.trim().toLowerCase();
  const match = TRACEPARENT.exec(value);
  if (!match || value.startsWith('ff') || match[1] === INVALID_TRACE_ID || match[2] === INVALID_SPAN_ID) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, sampled: (Number.parseInt(value.slice(53, 55), 16) & 1) === 1 };
}

export function traceIdOf(header: string | undefined): string | undefined {
  return parseTraceparent(header)?.traceId;
}

/**
 * A trace id made from a run id (`run_` + 9 base-36 time digits + 19 hex
 * digits of randomness): the time in 12 hex digits, then the randomness.
 * Only for log lines; it names no recorded trace.
 */
export function traceIdOfRun(runId: string): string {
  const time = Number.parseInt(runId.slice(4, 13), 36);
  const random = runId.slice(13).toLowerCase().replace(/[^\da-f]/g, '0');
  const id = `${Number.isFinite(time) ? time.toString(16).padStart(12, '0').slice(-12) : '0'.repeat(12)}${random}`.padEnd(32, '0').slice(0, 32);
  return id === INVALID_TRACE_ID ? '0'.repeat(31) + '1' : id;
}
