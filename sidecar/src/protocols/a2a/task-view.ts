/**
 * @module
 * Durable runs seen as A2A 1.0 tasks (task id = run id, context id = the
 * run's session): the run record as a `Task`, and each stored run event as
 * one `StreamResponse`. Resumption, which A2A leaves unspecified, rides on
 * the run's own event numbering: every streamed object carries
 * `metadata.squire_event_id` (the run event's `seq`, also the SSE `id`),
 * and `SubscribeToTask` with `Last-Event-ID` continues after it. One run
 * event is exactly one stream object, so a resumed stream repeats and
 * skips nothing.
 */
import type { Problem, RunEvent, RunRecord, RunStatus } from '@squire/client/contract';

export type TaskState =
  | 'TASK_STATE_SUBMITTED'
  | 'TASK_STATE_WORKING'
  | 'TASK_STATE_COMPLETED'
  | 'TASK_STATE_FAILED'
  | 'TASK_STATE_CANCELED'
  | 'TASK_STATE_INPUT_REQUIRED';

const STATES: Record<RunStatus, TaskState> = {
  queued: 'TASK_STATE_SUBMITTED',
  running: 'TASK_STATE_WORKING',
  input_required: 'TASK_STATE_INPUT_REQUIRED',
  succeeded: 'TASK_STATE_COMPLETED',
  failed: 'TASK_STATE_FAILED',
  cancelled: 'TASK_STATE_CANCELED',
  timed_out: 'TASK_STATE_FAILED',
};

export const EVENT_ID_KEY = 'squire_event_id';

type Part = { text: string; mediaType?: string } | { data: unknown; mediaType: string };

/** The agent's output as A2A parts: text as text, anything else as a JSON data part. */
export function outputParts(output: unknown): Part[] {
  return typeof output === 'string' ? [{ text: output, mediaType: 'text/plain' }] : [{ data: output, mediaType: 'application/json' }];
}

function agentMessage(runId: string, contextId: string, id: string, parts: Part[]) {
  return { messageId: `${runId}-${id}`, contextId, taskId: runId, role: 'ROLE_AGENT', parts };
}

/** The task as `GetTask`, `CancelTask` and a stream's first object show it; `eventId` is the last event it reflects. */
export function taskOf(record: RunRecord, eventId: number) {
  const contextId = record.session_id ?? '';
  const state = STATES[record.status];
  const timestamp = record.finished_at ?? record.started_at ?? record.created_at;
  const message =
    record.status === 'succeeded'
      ? agentMessage(record.run_id, contextId, 'output', outputParts(record.output))
      : record.error
        ? agentMessage(record.run_id, contextId, 'error', [{ text: record.error.message }])
        : undefined;
  return {
    id: record.run_id,
    contextId,
    status: { state, timestamp, ...(message && { message }) },
    artifacts: record.status === 'succeeded' ? [{ artifactId: 'output', name: 'output', parts: outputParts(record.output) }] : [],
    metadata: {
      [EVENT_ID_KEY]: String(eventId),
      squire_run_status: record.status,
      attempt: record.attempt,
      ...(record.error && { error: record.error }),
    },
  };
}

/** One run event as one `StreamResponse`. */
export function streamResponseOf(event: RunEvent, contextId: string): Record<string, unknown> {
  const taskId = event.run_id;
  const metadata = { [EVENT_ID_KEY]: String(event.seq) };
  const timestamp = new Date().toISOString();
  const status = (state: TaskState, message?: ReturnType<typeof agentMessage>) => ({
    statusUpdate: { taskId, contextId, status: { state, timestamp, ...(message && { message }) }, metadata },
  });
  switch (event.type) {
    case 'run.started':
      return status('TASK_STATE_WORKING');
    case 'run.delta':
      return { artifactUpdate: { taskId, contextId, artifact: { artifactId: 'text', name: 'text', parts: [{ text: event.delta }] }, append: true, lastChunk: false, metadata } };
    case 'run.completed':
      return status('TASK_STATE_COMPLETED', agentMessage(taskId, contextId, 'output', outputParts(event.result.output)));
    case 'run.failed':
      return status(failedState(event.error), agentMessage(taskId, contextId, 'error', [{ text: event.error.detail ?? event.error.title }]));
    default: {
      // Tool calls, tool results and progress: working, with the event itself as data.
      const { run_id: _runId, seq: _seq, ...data } = event;
      return status('TASK_STATE_WORKING', agentMessage(taskId, contextId, String(event.seq), [{ data, mediaType: 'application/json' }]));
    }
  }
}

function failedState(problem: Problem): TaskState {
  return problem.code === 'cancelled' ? 'TASK_STATE_CANCELED' : 'TASK_STATE_FAILED';
}

export function isTerminalState(state: TaskState): boolean {
  return state === 'TASK_STATE_COMPLETED' || state === 'TASK_STATE_FAILED' || state === 'TASK_STATE_CANCELED';
}
