/**
 * @module
 * What `squire runs wait` shows on a terminal while a background run goes on:
 * a state folded from the run's events, and the one status line drawn from
 * it. Pure (the clock and the spinner frame come in), so it is tested without
 * a terminal; `progress-line.ts` draws it.
 */
import type { RunEvent, RunRecord, RunStatus } from '../../contract/index.js';

export interface RunProgress {
  runId: string;
  status: RunStatus;
  attempt: number;
  /** Epoch ms when waiting began. */
  since: number;
  /** The last `ctx.emit(...)` payload, if any. */
  lastProgress?: unknown;
  /** Streamed model text so far, in characters. */
  deltaChars: number;
  toolCalls: number;
  /** The failure code once the run failed. */
  errorCode?: string;
}

export function startProgress(record: RunRecord, now: number): RunProgress {
  return { runId: record.run_id, status: record.status, attempt: record.attempt, since: now, deltaChars: 0, toolCalls: 0 };
}

/** The state after one more event. */
export function foldEvent(progress: RunProgress, event: RunEvent): RunProgress {
  switch (event.type) {
    case 'run.started':
      return { ...progress, status: 'running', attempt: event.attempt };
    case 'run.progress':
      return { ...progress, lastProgress: event.data };
    case 'run.delta':
      return { ...progress, deltaChars: progress.deltaChars + event.delta.length };
    case 'run.tool_call':
      return { ...progress, toolCalls: progress.toolCalls + 1 };
    case 'run.tool_result':
      return progress;
    case 'run.input_required':
      return { ...progress, status: 'input_required' };
    case 'run.completed':
      return { ...progress, status: 'succeeded' };
    case 'run.failed':
      return { ...progress, status: failedStatus(event.error.code), errorCode: event.error.code };
  }
}

function failedStatus(code: string): RunStatus {
  if (code === 'cancelled') return 'cancelled';
  if (code === 'deadline_exceeded') return 'timed_out';
  return 'failed';
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The live line: spinner, run id, status, attempt, elapsed time, what the agent last reported. */
export function progressLine(progress: RunProgress, now: number, frame: number): string {
  const parts = [`${SPINNER[frame % SPINNER.length]} ${progress.runId}`, progress.status, `attempt ${progress.attempt}`, formatElapsed(now - progress.since)];
  if (progress.toolCalls > 0) parts.push(`${progress.toolCalls} tool call${progress.toolCalls === 1 ? '' : 's'}`);
  if (progress.deltaChars > 0) parts.push(`${progress.deltaChars} chars`);
  if (progress.lastProgress !== undefined) parts.push(`progress ${JSON.stringify(progress.lastProgress)}`);
  return parts.join(' · ');
}

/** The line left on the terminal once the run ended. */
export function finalLine(progress: RunProgress, now: number): string {
  const mark = progress.status === 'succeeded' ? '✔' : '✖';
  const reason = progress.errorCode && progress.errorCode !== progress.status ? ` (${progress.errorCode})` : '';
  return `${mark} ${progress.runId} ${progress.status}${reason} after ${formatElapsed(now - progress.since)}, attempt ${progress.attempt}`;
}

export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.floor((ms % 60_000) / 1000)} s`;
}
