// Starting and stopping the processes a benchmark measures: pinned to core 0
// (the load runs on core 1) when taskset exists, address read from the
// process's "listening" log line, RSS read from /proc.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const running = new Set();

export function nodeCommand(args, core, node = process.execPath) {
  return HAS_TASKSET && core !== undefined ? ['taskset', ['-c', String(core), node, ...args]] : [node, args];
}

/** Spawns a server script (with `node`, this runner's Node unless given) and resolves once it prints its address. */
export function startServer(args, { env = {}, core = 0, timeoutMs = 20_000, node } = {}) {
  const [command, argv] = nodeCommand(args, core, node);
  const started = performance.now();
  const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" within ${timeoutMs} ms: ${output.slice(-2000)}`)), timeoutMs);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /"address":"([^"]+)"[^\n]*"msg":"listening"|"msg":"listening","address":"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume();
        child.stderr.resume();
        resolve({ child, pid: child.pid, address: match[1] ?? match[2], listeningMs: performance.now() - started, stop: () => stop(child) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before listening: ${output.slice(-2000)}`));
    });
  });
}

export function stop(child) {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function stopAll() {
  await Promise.all([...running].map((child) => stop(child)));
}

/** CPU time (user + system) a process has used so far, in µs, from /proc/<pid>/stat. */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), closed by its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / CLOCK_TICKS) * 1e6;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** Resident set size in MiB. */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

// A sidecar owns its data directory (a second process on it exits 2), so
// every sidecar the bench starts without a directory or store of its own
// gets a fresh one; nothing is left in the checkout.
let dataRoot;
let dataDirs = 0;
function freshDataDir() {
  if (!dataRoot) {
    dataRoot = mkdtempSync(join(tmpdir(), 'squire-bench-data-'));
    process.once('exit', () => rmSync(dataRoot, { recursive: true, force: true }));
  }
  dataDirs += 1;
  return join(dataRoot, String(dataDirs));
}

export function sidecarArgs(agent, extra = []) {
  const own = extra.includes('--data-dir') || extra.includes('--store') ? [] : ['--data-dir', freshDataDir()];
  return [join(ROOT, 'sidecar/dist/main.js'), '--agent', join(ROOT, 'examples/agents/src', `${agent}.ts`), '--port', '0', ...extra, ...own];
}
