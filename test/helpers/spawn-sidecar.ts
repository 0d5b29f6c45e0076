/**
 * Starts the real `squire-sidecar` bin (sidecar/dist/main.js) as a child
 * process on an ephemeral loopback port or a unix socket, waits for its
 * "listening" log line, and stops it (SIGTERM or kill -9) on request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SIDECAR_BIN = join(REPO_ROOT, 'sidecar/dist/main.js');

/** Example agents by name, or any path. */
export function agentPath(agent: string): string {
  return /[/.]/.test(agent) ? resolve(agent) : join(REPO_ROOT, 'examples/agents/src', `${agent}.ts`);
}

export interface StartSidecarOptions {
  agent: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Listen on a unix socket in a fresh temp dir instead of TCP. */
  socket?: boolean;
  /** Data dir to use (e.g. to restart on the same one); a fresh temp dir otherwise. */
  dataDir?: string;
  /** Pass no --data-dir at all: the sidecar picks its default (relative to `cwd`). */
  defaultDataDir?: boolean;
  /** Milliseconds to wait for "listening". @default 20000 */
  startTimeoutMs?: number;
  /** Entry script to run instead of the workspace build (e.g. a production install). */
  bin?: string;
  /** Working directory of the process. @default the repository root */
  cwd?: string;
}

export interface RunningSidecar {
  /** `http://127.0.0.1:PORT`, or `http://localhost` for a unix socket (use `socketPath`). */
  url: string;
  socketPath: string | undefined;
  /** The address as an SDK endpoint: `http://...` or `unix:/path`. */
  endpoint: string;
  /** Empty when started with `defaultDataDir`. */
  dataDir: string;
  process: ChildProcess;
  pid: number;
  /** Milliseconds from spawn to the "listening" line. */
  startupMs: number;
  /** Every line the process wrote so far (stdout and stderr). */
  logs(): string;
  /** Parsed JSON log lines. */
  logLines(): Array<Record<string, unknown>>;
  /** Sends a signal and resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  /** kill -9, as a crash would. */
  kill9(): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<RunningSidecar>();

export async function startSidecar(options: StartSidecarOptions): Promise<RunningSidecar> {
  const dataDir = options.defaultDataDir ? '' : (options.dataDir ?? mkdtempSync(join(tmpdir(), 'squire-data-')));
  const socketDir = options.socket ? mkdtempSync(join(tmpdir(), 'squire-sock-')) : undefined;
  const socketPath = socketDir ? join(socketDir, 'sidecar.sock') : undefined;
  const args = [
    options.bin ?? SIDECAR_BIN,
    '--agent',
    agentPath(options.agent),
    ...(socketPath ? ['--socket', socketPath] : ['--port', '0']),
    ...(options.defaultDataDir ? [] : ['--data-dir', dataDir]),
    ...(options.args ?? []),
  ];
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...options.env })) {
    if (value !== undefined && !key.startsWith('SQUIRE_') && key !== 'OPENAI_BASE_URL' && key !== 'OPENAI_API_KEY') env[key] = value;
  }
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value;
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd ?? REPO_ROOT });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
  const address = await new Promise<string>((resolveAddress, reject) => {
    const timer = setTimeout(() => reject(new Error(`sidecar did not start in time:\n${output}`)), options.startTimeoutMs ?? 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /"address":"([^"]+)"[^\n]*"msg":"listening"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveAddress(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`sidecar exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  const startupMs = performance.now() - started;
  const sidecar: RunningSidecar = {
    url: socketPath ? 'http://localhost' : address,
    socketPath,
    endpoint: socketPath ? `unix:${socketPath}` : address,
    dataDir,
    process: child,
    pid: child.pid!,
    startupMs,
    logs: () => output,
    logLines: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      running.delete(sidecar);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const { code, signal: by } = await exited;
      clearTimeout(timer);
      if (socketDir) rmSync(socketDir, { recursive: true, force: true });
      return code ?? by ?? 'unknown';
    },
    async kill9() {
      running.delete(sidecar);
      child.kill('SIGKILL');
      await exited;
    },
  };
  running.add(sidecar);
  void exited.then(({ code, signal }) => {
    // Stopped by nobody: a crash. Its last lines are the only clue a CI log will have.
    if (running.delete(sidecar)) {
      process.stderr.write(`sidecar ${options.agent} (pid ${child.pid}) exited unexpectedly (${code ?? signal}); its last output:\n${output.slice(-4000)}\n`);
    }
  });
  return sidecar;
}

/** Kills whatever a failed test left running. */
export async function stopAllSidecars(): Promise<void> {
  await Promise.all([...running].map((sidecar) => sidecar.kill9()));
}

/** Runs the bin with arguments and collects its exit code and output (for config errors). */
export function runSidecarOnce(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [SIDECAR_BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sidecar did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}
