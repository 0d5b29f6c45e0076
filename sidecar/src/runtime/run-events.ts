/**
 * @module
 * Numbers a run's events (`seq` 1, 2, …, the SSE `id`) and hands each to the
 * listeners of that run: the SSE writer of a streaming invoke, the event log
 * of a background run.
 */
import type { RunEvent, RunEventDraft } from '@squire/client/contract';

export type RunEventListener = (event: RunEvent) => void;

export class RunEventChannel {
  private seq: number;
  private readonly listeners = new Set<RunEventListener>();

  constructor(
    readonly runId: string,
    /** The last `seq` already published (a resumed background run continues its numbering). */
    lastSeq = 0,
  ) {
    this.seq = lastSeq;
  }

  get lastSeq(): number {
    return this.seq;
  }

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: RunEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(draft: RunEventDraft): RunEvent {
    this.seq += 1;
    const event = { ...draft, run_id: this.runId, seq: this.seq } as RunEvent;
    for (const listener of this.listeners) listener(event);
    return event;
  }
}
