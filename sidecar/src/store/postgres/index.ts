/**
 * @module
 * The shared store: one PostgreSQL database for every replica of one agent,
 * on any number of hosts. Runs, their events, idempotency keys and sessions
 * (and their step journals) live there; replicas are competing consumers of the queued runs (see
 * `runs.ts`), learn of each other's commits by LISTEN/NOTIFY (`notifier.ts`)
 * and hold sessions with advisory locks (`sessions.ts`). Opening it runs the
 * missing migrations under an advisory lock and refuses a database that
 * belongs to another agent. The URL's password appears in no message.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { StoreOpenError } from '../errors.js';
import type { Store, StoreAgent } from '../store.js';
import { Database } from './database.js';
import { PostgresRunEvents } from './events.js';
import { PostgresJournal } from './journal.js';
import { PostgresKeys } from './keys.js';
import { Notifier } from './notifier.js';
import { PostgresRuns } from './runs.js';
import { prepareSchema } from './schema.js';
import { PostgresSessions } from './sessions.js';
import { redactStoreUrl } from './store-url.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database?sslmode=…` */
  url: string;
  agent: StoreAgent;
  /** Most connections for calls (session holds take theirs from the same pool). @default 10 */
  poolMax?: number;
  /** How long a call waits for a connection or a statement before `store_unavailable`. @default 5000 */
  timeoutMs?: number;
}

export class PostgresStore implements Store {
  readonly owner = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  readonly runs: PostgresRuns;
  readonly events: PostgresRunEvents;
  readonly journal: PostgresJournal;
  readonly keys: PostgresKeys;
  readonly sessions: PostgresSessions;
  readonly notifier: Notifier;
  private closing: Promise<void> | undefined;

  constructor(
    /** The pool: for operators' tools and for tests that cut connections. */
    readonly database: Database,
    url: string,
  ) {
    this.notifier = new Notifier(url, this.owner, database);
    this.runs = new PostgresRuns(database, this.notifier, this.owner);
    this.events = new PostgresRunEvents(database, this.notifier);
    this.journal = new PostgresJournal(database);
    this.keys = new PostgresKeys(database, this.owner);
    this.sessions = new PostgresSessions(database, this.notifier);
  }

  async ping(): Promise<void> {
    await this.database.query('answer', 'SELECT 1');
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.runs.settled();
        await this.database.close();
      } finally {
        await this.notifier.close();
      }
    })();
    return this.closing;
  }
}

/** Connects, migrates and checks the agent; throws `StoreOpenError` (password-free) when it cannot. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const where = `the database ${redactStoreUrl(options.url)}`;
  const timeoutMs = options.timeoutMs ?? 5000;
  const setup = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: timeoutMs, application_name: 'squire-sidecar-migrate' });
  setup.on('error', () => undefined);
  try {
    await setup.connect();
    await prepareSchema(setup, where, options.agent);
  } catch (error) {
    if (error instanceof StoreOpenError) throw error;
    throw new StoreOpenError(`cannot open ${where}: ${(error as Error).message}`);
  } finally {
    await setup.end().catch(() => undefined);
  }
  const database = new Database({ connectionString: options.url, max: options.poolMax ?? 10, connectionTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs });
  const store = new PostgresStore(database, options.url);
  await store.notifier.start();
  return store;
}
