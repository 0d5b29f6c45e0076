/**
 * @module
 * Wake-ups across replicas: one connection of its own LISTENs on the
 * store's channels, and after each commit that followers or dispatchers
 * care about this process sends a NOTIFY. Never inside the committing
 * transaction: PostgreSQL serialises the commits of transactions that
 * notify (a database-wide lock until the end of the commit, its fsync
 * included), which would take group commit away from every submission.
 * Notifications of one tick go out together in one statement that writes
 * nothing (so it needs no fsync). Commits of this process wake its own
 * watchers at once; notifications carry the sender, so they are not
 * delivered twice here. Wake-ups carry no data — the woken side reads what
 * is new — so a missed or merged one loses nothing; for the rare one lost
 * (a sender that died between its commit and its NOTIFY, a listening
 * connection that dropped), followers are also woken every `SWEEP_MS`, the
 * dispatcher by its heartbeat, and everyone after a reconnect.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { LocalWakes } from '../local-wakes.js';
import type { Database } from './database.js';

export const EVENTS_CHANNEL = 'squire_run_events';
export const QUEUE_CHANNEL = 'squire_run_queue';
export const SESSIONS_CHANNEL = 'squire_sessions';

const RECONNECT_MS = [100, 250, 500, 1000, 2000];
const SWEEP_MS = 1000;
/**
 * Least time between the starts of two NOTIFY statements of one process. Each
 * is a transaction of its own on the server; under load (a resume of many
 * runs) one per round trip would cost the database more than the work it
 * announces. A wake-up waits at most this long more, well inside what
 * following on another replica may add (100 ms at p50).
 */
export const NOTIFY_SPACING_MS = 10;
/** PostgreSQL's payload limit is 8000 bytes. */
const PAYLOAD_MAX = 7000;

export class Notifier {
  readonly local = new LocalWakes();
  private readonly sessionWaiters = new Set<() => void>();
  private client: pg.Client | undefined;
  private closed = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;
  /** Subjects to notify after this tick (or after the NOTIFY under way), by channel. */
  private pending: Map<string, Set<string>> | undefined;
  /** A NOTIFY is under way (or waits for its turn): what is published meanwhile goes out in the next one. */
  private sending = false;
  private lastSentAt = 0;

  constructor(
    private readonly connectionString: string,
    private readonly owner: string,
    private readonly database: Database,
  ) {}

  /** Resolves once listening (or, if the database cannot be reached now, once a retry is scheduled). */
  async start(): Promise<void> {
    await this.connect();
    this.sweep = setInterval(() => this.local.wakeAllEvents(), SWEEP_MS);
    this.sweep.unref();
  }

  /** After a commit that stored events of `runId`. */
  eventsCommitted(runId: string): void {
    this.local.eventsCommitted(runId);
    this.publish(EVENTS_CHANNEL, runId);
  }

  /** After a commit that queued runs. */
  queueChanged(): void {
    this.local.queueChanged();
    this.publish(QUEUE_CHANNEL, '');
  }

  /** After a session was let go. */
  sessionReleased(): void {
    for (const waiter of [...this.sessionWaiters]) waiter();
    this.publish(SESSIONS_CHANNEL, '');
  }

  /** Calls `listener` when a session was let go by any replica. */
  watchSessionReleases(listener: () => void): () => void {
    this.sessionWaiters.add(listener);
    return () => this.sessionWaiters.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.sweep) clearInterval(this.sweep);
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

  private publish(channel: string, subject: string): void {
    if (this.closed) return;
    if (!this.pending) {
      this.pending = new Map();
      if (!this.sending) setImmediate(() => void this.flush());
    }
    let subjects = this.pending.get(channel);
    if (!subjects) this.pending.set(channel, (subjects = new Set()));
    subjects.add(subject);
  }

  /**
   * One NOTIFY statement at a time, at least `NOTIFY_SPACING_MS` apart: under
   * load the wake-ups of many commits share one statement. Each still goes
   * out after its commit (it is published once the commit answered), so
   * nothing committed is left without a wake-up.
   */
  private async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.pending && !this.closed) {
        const wait = this.lastSentAt + NOTIFY_SPACING_MS - Date.now();
        if (wait > 0) await sleep(wait, undefined, { ref: false });
        const pending = this.pending;
        this.pending = undefined;
        this.lastSentAt = Date.now();
        await this.send(pending);
      }
    } finally {
      this.sending = false;
    }
  }

  private async send(pending: Map<string, Set<string>>): Promise<void> {
    const channels: string[] = [];
    const payloads: string[] = [];
    for (const [channel, subjects] of pending) {
      let payload = '';
      for (const subject of subjects) {
        if (payload && payload.length + subject.length > PAYLOAD_MAX) {
          channels.push(channel);
          payloads.push(`${this.owner} ${payload}`);
          payload = '';
        }
        payload = payload ? `${payload},${subject}` : subject;
      }
      channels.push(channel);
      payloads.push(`${this.owner} ${payload}`);
    }
    // Best effort: a wake-up that cannot be sent is made up for by the sweep and the heartbeat.
    await this.database.query('notify other replicas', 'SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS n(c, p)', [channels, payloads]).catch(() => undefined);
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
