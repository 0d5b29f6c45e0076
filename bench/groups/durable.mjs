// Benchmark 6: acknowledged background runs and resume, on SQLite and on PostgreSQL.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { durableOnPostgres } from '../lib/postgres-bench.mjs';
import { queueRunsThenKill } from '../lib/queued-runs.mjs';
import { ROOT, sidecarArgs } from '../lib/processes.mjs';
import { endpointPool } from '../lib/measure.mjs';
import { ROUNDS, record, withServer } from '../lib/report.mjs';

export async function durableBench() {
  // On the disk the repository lives on, not /tmp (often tmpfs, where fsync is free).
  const diskDir = join(ROOT, 'bench/results/data');
  mkdirSync(diskDir, { recursive: true });
  // Acknowledgements: 256 concurrent submitters for 3 s against a sidecar whose
  // slow agent holds every slot, so the runs pile up on disk (fsync'd, WAL).
  const acks = [];
  const resumes = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const dataDir = mkdtempSync(join(diskDir, 'acks-'));
    await withServer(sidecarArgs('slow', ['--slots', '1', '--data-dir', dataDir, '--runs-max-queued', '1000000']), {}, async (s) => {
      const pool = endpointPool(s.address, 256);
      const body = JSON.stringify({ input: { ms: 600_000 } });
      let done = 0;
      const until = Date.now() + 3000;
      const started = performance.now();
      await Promise.all(Array.from({ length: 256 }, async () => {
        while (Date.now() < until) {
          const response = await pool.request({ path: '/v1/runs', method: 'POST', headers: { 'content-type': 'application/json' }, body });
          await response.body.text();
          if (response.statusCode === 202) done += 1;
        }
      }));
      acks.push(done / ((performance.now() - started) / 1000));
      await pool.destroy();
    });
    // Resume: a data dir holding 10,000 queued runs, a fresh process, time until the last one is done.
    const resumeDir = mkdtempSync(join(diskDir, 'resume-'));
    await withServer(sidecarArgs('slow', ['--slots', '1', '--data-dir', resumeDir, '--runs-max-queued', '1000000']), {}, (s) => queueRunsThenKill(s, 10_000));
    const started = performance.now();
    await withServer(sidecarArgs('slow', ['--slots', '4', '--data-dir', resumeDir]), {}, async (s) => {
      const pool = endpointPool(s.address, 1);
      for (;;) {
        const response = await pool.request({ path: '/metrics', method: 'GET' });
        const text = await response.body.text();
        const queued = Number(/^squire_runs_queued\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? NaN);
        const inUse = Number(/^squire_slots_in_use\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? NaN);
        if (queued === 0 && inUse === 0) break;
        await sleep(20);
      }
      resumes.push((performance.now() - started) / 1000);
      await pool.destroy();
    });
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(resumeDir, { recursive: true, force: true });
  }
  record('6. durable runs', 'acknowledged background runs/s (fsync per group commit)', 'runs/s', acks, undefined, { label: '≥ 3,000/s', value: 3000 }, 'higher');
  record('6. durable runs', 'restart → 10,000 queued runs resumed and done (0 ms agent, 4 slots)', 's', resumes);
  // The same figures on the shared store, in the same run.
  await durableOnPostgres({ rounds: ROUNDS, record });
}
