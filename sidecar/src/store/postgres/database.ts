/**
 * @module
 * The connection pool of a PostgreSQL store, and the one place where the
 * driver's errors become the store's typed ones: a connection that cannot
 * be made or was cut, a server shutting down or out of resources, is
 * `StoreUnavailableError` (503, retryable: nothing was acknowledged); a
 * statement the database refused for its content (a duplicate key, bad
 * data) is `StoreRejectedError`, for that call alone. Calls still running
 * when the store closes finish first; later calls are refused.
 */
import pg from 'pg';
import { SidecarError } from '../../errors.js';
import { StoreRejectedError, StoreUnavailableError } from '../errors.js';

/** SQLSTATE classes of a server or connection that cannot answer now: connection, resources, shutdown, serialization, system. */
const UNAVAILABLE_STATE = /^(08|53|57|58|40|55P03|XX)/;

export function storeFailure(error: unknown, action: string): SidecarError {
  if (error instanceof SidecarError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error)?.message ?? String(error);
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    if (UNAVAILABLE_STATE.test(code)) return new StoreUnavailableError(`the store cannot ${action} now (${code})`, error);
    return new StoreRejectedError(`the store refused to ${action}: ${message}`, error);
  }
  // Anything else is the way to the server: refused, reset, timed out, terminated.
  return new StoreUnavailableError(`the store cannot ${action} now: ${message}`, error);
}

function hasSqlState(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** BIGINT columns hold epoch milliseconds and counts, well inside a double. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface DatabaseOptions {
  connectionString: string;
  /** Most connections this store opens (one of them kept for lease renewals). */
  max: number;
  /** How long a call waits for a connection before it answers `store_unavailable`. */
  connectionTimeoutMs: number;
  /** Longest a statement may run before it is cancelled (also `store_unavailable`). */
  statementTimeoutMs: number;
}

export type Queryable = Pick<pg.PoolClient, 'query'>;

export class Database {
  readonly pool: pg.Pool;
  /** One connection of its own for lease renewals, so a heartbeat never waits behind a queue of requests for the pool. */
  private readonly heartbeatPool: pg.Pool;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(readonly options: DatabaseOptions) {
    const poolConfig = {
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectionTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      statement_timeout: options.statementTimeoutMs,
      query_timeout: options.statementTimeoutMs + 1000,
      application_name: 'squire-sidecar',
      types,
    };
    this.pool = new pg.Pool({ ...poolConfig, max: options.max - 1 });
    this.heartbeatPool = new pg.Pool({ ...poolConfig, max: 1 });
    for (const pool of [this.pool, this.heartbeatPool]) {
      // An idle connection cut by the server: the pool drops it; the next call opens another.
      pool.on('error', () => undefined);
      // A connection cut while in use fails its call; the event must not end the process.
      pool.on('connect', (client) => client.on('error', () => undefined));
    }
  }

  /** One statement on the heartbeat's own connection. */
  async heartbeat<T extends pg.QueryResultRow>(action: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<T>> {
    return this.track(action, () => this.heartbeatPool.query<T>(sql, params));
  }

  /** One statement, its own transaction. */
  async query<T extends pg.QueryResultRow>(action: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<T>> {
    return this.track(action, async () => {
      const client = await this.connected();
      let broken: Error | undefined;
      try {
        return await client.query<T>(sql, params);
      } catch (error) {
        if (!hasSqlState(error)) broken = error as Error;
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }

  /** Several statements in one transaction, on one connection; rolled back if `work` throws. */
  async transaction<T>(action: string, work: (client: Queryable) => Promise<T>): Promise<T> {
    return this.track(action, async () => {
      const client = await this.connected();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollback: unknown) => (broken = rollback));
        throw error;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    });
  }

  /** A connection of its own for a long hold (a session's advisory lock); `release` it when done. */
  async connect(action: string): Promise<pg.PoolClient> {
    return this.track(action, () => this.connected());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await Promise.all([this.pool.end(), this.heartbeatPool.end()]);
  }

  /** A connection from the pool; any failure to get one (refused, timed out, not accepting connections) is the store being unavailable. */
  private async connected(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw new StoreUnavailableError(`cannot connect to the store: ${(error as Error).message}`, error);
    }
  }

  private async track<T>(action: string, call: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError(`the store is closed: cannot ${action}`);
    const running = call();
    this.inFlight.add(running);
    try {
      return await running;
    } catch (error) {
      throw storeFailure(error, action);
    } finally {
      this.inFlight.delete(running);
    }
  }
}
