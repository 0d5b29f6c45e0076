import { describe, expect, it } from 'vitest';
import type { RunEvent, RunRecord } from '../../contract/index.js';
import { finalLine, foldEvent, formatElapsed, progressLine, startProgress } from './run-progress.js';
import { runTable } from './run-table.js';

const record = (overrides: Partial<RunRecord> = {}): RunRecord => ({ run_id: 'run_1', status: 'queued', input: {}, attempt: 0, max_attempts: 3, created_at: '2026-01-01T00:00:00.000Z', ...overrides });
const event = (draft: Record<string, unknown>): RunEvent => ({ run_id: 'run_1', seq: 1, ...draft }) as RunEvent;

describe('run progress', () => {
  it('folds events into the state the progress line shows', () => {
    let progress = startProgress(record(), 1_000);
    expect(progressLine(progress, 1_000, 0)).toBe('⠋ run_1 · queued · attempt 0 · 0.0 s');
    progress = foldEvent(progress, event({ type: 'run.started', attempt: 2 }));
    progress = foldEvent(progress, event({ type: 'run.delta', delta: 'Hello' }));
    progress = foldEvent(progress, event({ type: 'run.tool_call', call_id: 'c', name: 'weather', arguments: {} }));
    progress = foldEvent(progress, event({ type: 'run.progress', data: { step: 2 } }));
    expect(progressLine(progress, 3_500, 1)).toBe('⠙ run_1 · running · attempt 2 · 2.5 s · 1 tool call · 5 chars · progress {"step":2}');
    expect(finalLine(foldEvent(progress, event({ type: 'run.completed', result: { run_id: 'run_1', status: 'succeeded', output: {}, usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0, llm_calls: 0 }, timing: { queued_ms: 0, run_ms: 0, total_ms: 0 } } })), 4_000)).toBe('✔ run_1 succeeded after 3.0 s, attempt 2');
  });

  it('names how a run ended badly', () => {
    const running = foldEvent(startProgress(record(), 0), event({ type: 'run.started', attempt: 1 }));
    const failed = (code: string) => foldEvent(running, event({ type: 'run.failed', error: { type: 'about:blank', status: 500, title: 't', code, retryable: false } }));
    expect(finalLine(failed('cancelled'), 1_000)).toBe('✖ run_1 cancelled after 1.0 s, attempt 1');
    expect(failed('deadline_exceeded').status).toBe('timed_out');
    expect(finalLine(failed('agent_error'), 1_000)).toBe('✖ run_1 failed (agent_error) after 1.0 s, attempt 1');
  });

  it('formats elapsed time in seconds, then minutes', () => {
    expect([formatElapsed(0), formatElapsed(59_949), formatElapsed(61_000), formatElapsed(3_725_000)]).toEqual(['0.0 s', '59.9 s', '1 min 1 s', '62 min 5 s']);
  });
});

describe('runTable', () => {
  it('aligns one row per run under the column titles', () => {
    const table = runTable([record({ run_id: 'run_a', status: 'succeeded', attempt: 1, finished_at: '2026-01-01T00:00:01.000Z' }), record({ run_id: 'run_bbbbbb', status: 'running', attempt: 1 })]);
    expect(table.split('\n')).toEqual([
      'RUN ID      STATUS     ATTEMPT  CREATED                   FINISHED',
      'run_a       succeeded  1/3      2026-01-01T00:00:00.000Z  2026-01-01T00:00:01.000Z',
      'run_bbbbbb  running    1/3      2026-01-01T00:00:00.000Z  -',
      '',
    ]);
  });
});
