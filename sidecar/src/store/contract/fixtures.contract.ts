/**
 * @module
 * Runs, events and helpers the contract suite and its crash child share
 * (no test runner in here: the child process imports it too).
 */
import { randomUUID } from 'node:crypto';
import type { RunEventType } from '@squire/client/contract';
import type { NewRun, Store, StoreAgent, StoredEvent } from '../store.js';

export const CONTRACT_AGENT: StoreAgent = { name: 'contract', version: '1.0.0' };

let sequence = 0;

/** A queued run to submit; each one a little newer than the last, so "oldest first" is well defined. */
export function newRun(overrides: Partial<NewRun> = {}): NewRun {
  sequence += 1;
  return {
    id: `run_contract_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
    input: JSON.stringify({ n: sequence }),
    sessionId: undefined,
    metadata: '{"origin":"contract"}',
    maxAttempts: 3,
    timeoutMs: 60_000,
    createdAt: Date.now() + sequence,
    ...overrides,
  };
}

export function event(runId: string, seq: number, type: RunEventType = 'run.progress'): StoredEvent {
  const body =
    type === 'run.completed'
      ? { result: { run_id: runId, status: 'succeeded', output: { ok: true } } }
      : type === 'run.failed'
        ? { error: { type: 'about:blank', status: 500, title: 'Agent failed', code: 'agent_error', retryable: false } }
        : { data: { step: seq } };
  return { seq, type, data: JSON.stringify({ type, run_id: runId, seq, ...body }) };
}

export const TERMINAL: ReadonlySet<string> = new Set(['run.completed', 'run.failed']);

/** Every run of the store, newest first. */
export async function allRuns(store: Store): Promise<Array<Awaited<ReturnType<Store['runs']['list']>>[number]>> {
  const runs = [];
  let after: { createdAt: number; id: string } | undefined;
  for (;;) {
    const page = await store.runs.list({ limit: 500, after });
    runs.push(...page);
    const last = page.at(-1);
    if (page.length < 500 || !last) return runs;
    after = { createdAt: Date.parse(last.created_at), id: last.run_id };
  }
}
