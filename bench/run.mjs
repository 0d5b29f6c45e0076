// `pnpm bench`: what users pay for Squire, against floors measured in the
// same run on the same machine. Servers run on core 0, this load generator
// on core 1. Each figure is the median of several rounds (min and max
// shown); subject and floor alternate within a round. Targets are goals,
// reported, never asserted. Each group lives in `groups/`.
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HAS_TASKSET, ROOT, stopAll } from './lib/processes.mjs';
import { replaceReadmeTable, resultsTable } from './lib/results.mjs';
import { ROUNDS, note, rows } from './lib/report.mjs';
import { callOverhead, clientCost, throughputBench } from './groups/latency.mjs';
import { coldStart, memoryBench } from './groups/process.mjs';
import { fanOutBench, overloadBench } from './groups/fleet.mjs';
import { durableBench } from './groups/durable.mjs';
import { sessionBench, streamingBench, tracingBench } from './groups/features.mjs';

async function main() {
  const started = Date.now();
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}${HAS_TASKSET ? ', servers on core 0 and load on core 1' : ', unpinned (no taskset)'}`;
  console.log(`machine: ${machine}\nrounds: ${ROUNDS}\n`);
  const benches = [
    ['1', callOverhead],
    ['1b', clientCost],
    ['2', throughputBench],
    ['3', memoryBench],
    ['4', coldStart],
    ['5', fanOutBench],
    ['6', durableBench],
    ['7', streamingBench],
    ['8', overloadBench],
    ['9', sessionBench],
    ['10', tracingBench],
  ];
  // SQUIRE_BENCH_ONLY=1,7 runs a subset while working on one figure.
  const only = process.env.SQUIRE_BENCH_ONLY?.split(',').map((item) => item.trim());
  // A group that throws is reported as such and the others still run: one broken
  // group must not cost the figures of the rest (the run still exits 1).
  let failed = 0;
  for (const [id, bench] of benches) {
    if (only && !only.includes(id)) continue;
    try {
      await bench();
    } catch (error) {
      failed += 1;
      note(id, 'the whole group', `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await stopAll();
    }
  }
  await stopAll();
  writeResults(machine, Date.now() - started, failed === 0);
  if (failed > 0) process.exitCode = 1;
}

function writeResults(machine, elapsedMs, complete) {
  const table = resultsTable(rows, { machine, rounds: ROUNDS, elapsedMs });
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.md'), `${table}\n`);
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify({ machine, elapsedMs, rows }, null, 2)}\n`);
  // Only a full run without a failed group speaks for the whole table; a subset (SQUIRE_BENCH_ONLY) leaves the README alone.
  const readme = process.env.SQUIRE_BENCH_ONLY || !complete ? undefined : replaceReadmeTable(join(ROOT, 'README.md'), table);
  console.log(`\n${table}\n\nwritten: bench/results/latest.md, bench/results/latest.json${readme ? ', README.md' : ''}`);
}

if (HAS_TASKSET && !process.env.SQUIRE_BENCH_PINNED) {
  const child = spawn('taskset', ['-c', '1', process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, SQUIRE_BENCH_PINNED: '1' } });
  child.on('exit', (code) => process.exit(code ?? 1));
  process.on('SIGINT', () => child.kill('SIGINT'));
} else {
  process.on('SIGINT', async () => {
    await stopAll();
    process.exit(130);
  });
  main().catch(async (error) => {
    console.error(error);
    await stopAll();
    process.exit(1);
  });
}
