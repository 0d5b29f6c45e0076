/**
 * @module
 * Wake-ups after commits, inside one process:
 * followers of a run's events and the dispatcher waiting for queued runs.
 * A wake-up carries no data — the woken side reads what it needs — so a
 * store shared by replicas raises the same wake-ups from LISTEN/NOTIFY.
 */
import { EventEmitter } from 'node:events';

export class LocalWakes {
  private readonly events = new EventEmitter();
  private readonly queueListeners = new Set<() => void>();

  constructor() {
    this.events.setMaxListeners(0);
  }

  eventsCommitted(runId: string): void {
    this.events.emit(runId);
  }

  queueChanged(): void {
    for (const listener of [...this.queueListeners]) listener();
  }

  /** Wakes every follower: after a gap in which wake-ups may have been missed. */
  wakeAllEvents(): void {
    for (const runId of this.events.eventNames()) this.events.emit(runId);
  }

  watchEvents(runId: string, listener: () => void): () => void {
    this.events.on(runId, listener);
    return () => this.events.off(runId, listener);
  }

  watchQueue(listener: () => void): () => void {
    this.queueListeners.add(listener);
    return () => this.queueListeners.delete(listener);
  }
}
