/**
 * @module
 * Wake-ups across replicas: one connection of its own LISTENs on the
 * store's channels, and every commit that followers or dispatchers care
 * about sends a NOTIFY in its own transaction (delivered on commit only).
 * Commits of this process wake its own watchers at once, without the round
 * trip; notifications carry the sender, so they are not delivered twice
 * here. While the listening connection is down it reconnects with backoff,
 * and after each reconnect wakes every watcher once: whatever was missed
 * meanwhile is read then (a wake-up carries no data, so a missed or merged
 * one loses nothing).
 */
import pg from 'pg';
import { LocalWakes } from '../local-wakes.js';

export const EVENTS_CHANNEL = 'squire_run_events';
export const QUEUE_CHANNEL = 'squire_run_queue';
export const SESSIONS_CHANNEL = 'squire_sessions';

const RECONNECT_MS = [100, 250, 500, 1000, 2000];

export class Notifier {
  readonly local = new LocalWakes();
  private readonly sessionWaiters = new Set<() => void>();
  private client: pg.Client | undefined;
  private closed = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly owner: string,
  ) {}

  /** Resolves once listening (or, if the database cannot be reached now, once a retry is scheduled). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** The payload of this owner's notifications about `subject`. */
  payload(subject = ''): string {
    return `${this.owner} ${subject}`;
  }

  /** Calls `listener` when a session was let go by any replica. */
  watchSessionReleases(listener: () => void): () => void {
    this.sessionWaiters.add(listener);
    return () => this.sessionWaiters.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true, application_name: 'squire-sidecar-listen', connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    client.on('notification', (message) => this.deliver(message.channel, message.payload ?? ''));
    client.on('end', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.retry();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}; LISTEN ${QUEUE_CHANNEL}; LISTEN ${SESSIONS_CHANNEL}`);
    } catch {
      await client.end().catch(() => undefined);
      this.retry();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    const reconnected = this.failures > 0;
    this.failures = 0;
    if (reconnected) this.wakeEveryone();
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    const delay = RECONNECT_MS[Math.min(this.failures, RECONNECT_MS.length - 1)]!;
    this.failures += 1;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, delay);
    this.timer.unref();
  }

  private deliver(channel: string, payload: string): void {
    const space = payload.indexOf(' ');
    if (payload.slice(0, space) === this.owner) return;
    const subject = payload.slice(space + 1);
    if (channel === EVENTS_CHANNEL) for (const runId of subject.split(',')) this.local.eventsCommitted(runId);
    else if (channel === QUEUE_CHANNEL) this.local.queueChanged();
    else if (channel === SESSIONS_CHANNEL) for (const waiter of [...this.sessionWaiters]) waiter();
  }

  private wakeEveryone(): void {
    this.local.queueChanged();
    this.local.wakeAllEvents();
    for (const waiter of [...this.sessionWaiters]) waiter();
  }
}
