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
  /** Made on the first subscriber: most runs (un-streamed invokes) never have one. */
  private listeners: Set<RunEventListener> | undefined;

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
    return this.listeners !== undefined && this.listeners.size > 0;
  }

  subscribe(listener: RunEventListener): () => void {
    const listeners = (this.listeners ??= new Set());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  publish(draft: RunEventDraft): RunEvent {
    this.seq += 1;
    const event = { ...draft, run_id: this.runId, seq: this.seq } as RunEvent;
    if (this.listeners) for (const listener of this.listeners) listener(event);
    return event;
  }
}
