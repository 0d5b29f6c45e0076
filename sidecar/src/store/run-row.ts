/**
 * @module
 * A stored run as both backends keep it (JSON as text, times as epoch
 * milliseconds) and its record as the contract shows it.
 */
import type { RunError, RunRecord, RunStatus } from '@squire/client/contract';

export interface StoredRunRow {
  id: string;
  status: RunStatus;
  input: string;
  output: string | null;
  error: string | null;
  usage: string | null;
  session_id: string | null;
  metadata: string;
  attempt: number;
  max_attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  awaiting: string | null;
}

export function toRunRecord(row: StoredRunRow): RunRecord {
  return {
    run_id: row.id,
    status: row.status,
    input: JSON.parse(row.input) as unknown,
    ...(row.output !== null && { output: JSON.parse(row.output) as unknown }),
    ...(row.error !== null && { error: JSON.parse(row.error) as RunError }),
    ...(row.usage !== null && { usage: JSON.parse(row.usage) as RunRecord['usage'] }),
    ...(row.session_id !== null && { session_id: row.session_id }),
    ...(row.awaiting !== null && { awaiting: JSON.parse(row.awaiting) as RunRecord['awaiting'] }),
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    attempt: row.attempt,
    max_attempts: row.max_attempts,
    created_at: new Date(row.created_at).toISOString(),
    ...(row.started_at !== null && { started_at: new Date(row.started_at).toISOString() }),
    ...(row.finished_at !== null && { finished_at: new Date(row.finished_at).toISOString() }),
  };
}
