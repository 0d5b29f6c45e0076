/**
 * @module
 * The step journal as a run's loop sees it: what a step produced, if an
 * earlier attempt (cut off by a crash, or paused for a decision) recorded
 * it, and recording a step before the next one starts. Background runs
 * journal into the store under their lease; sync invokes keep no journal
 * (there is nothing to resume them from) and cannot pause.
 */
import type { AwaitingInput } from '@squire/client/contract';
import { SidecarError } from '../errors.js';
import type { JournalEntry, Lease, RunJournalStore } from '../store/store.js';

export interface StepJournal {
  /** Whether steps outlive the process: only then can a run pause for input. */
  readonly durable: boolean;
  /** What the step `key` produced, parsed; undefined if it was never recorded. */
  get(key: string): unknown;
  /** Records a step; resolves once a crash can no longer take it back. */
  record(key: string, value: unknown): Promise<void>;
}

export const NO_JOURNAL: StepJournal = Object.freeze({
  durable: false,
  get: () => undefined,
  record: async () => undefined,
});

/** The journal of a background run's attempt, loaded with what earlier attempts recorded. */
export function storeJournal(store: RunJournalStore, lease: Lease, recorded: readonly JournalEntry[]): StepJournal {
  const steps = new Map(recorded.map((entry) => [entry.key, entry.data]));
  return {
    durable: true,
    get: (key) => {
      const data = steps.get(key);
      return data === undefined ? undefined : (JSON.parse(data) as unknown);
    },
    async record(key, value) {
      const data = JSON.stringify(value ?? null);
      if (!(await store.record(lease, { key, data }))) {
        throw new SidecarError('conflict', 'this sidecar no longer holds the run: its steps are recorded by another owner');
      }
      steps.set(key, data);
    },
  };
}

/** Thrown by a run's loop to pause the run until someone decides; the dispatcher stores the pause. */
export class RunPaused extends Error {
  override readonly name = 'RunPaused';

  constructor(readonly awaiting: Omit<AwaitingInput, 'expires_at'>) {
    super(`the run waits for a decision on ${awaiting.tool}`);
  }
}
