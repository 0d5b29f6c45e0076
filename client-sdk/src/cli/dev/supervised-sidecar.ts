/**
 * @module
 * One sidecar under `squire dev`: started as its own process (in its own
 * process group, so a terminal's Ctrl-C reaches the runner alone and each
 * sidecar gets exactly one SIGTERM from it), its output prefixed line by
 * line, restarted with back-off when it crashes, drained on `stop()`.
 * Exit code 2 (invalid configuration) is not restarted: a restart cannot fix it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AppFileSidecar, RestartPolicy } from '../../app-file/app-file.js';
import { LinePrefixer } from './line-prefixer.js';
import { RestartBackoff } from './restart-backoff.js';
import { sidecarArgs } from './sidecar-bin.js';

const EXIT_INVALID_CONFIG = 2;

export interface DevOutput {
  /** A sidecar's own output, already prefixed. */
  stdout(text: string): void;
  stderr(text: string): void;
  /** A line from the runner about a sidecar. */
  note(message: string): void;
}

export type SidecarState = 'starting' | 'running' | 'backing_off' | 'stopping' | 'stopped' | 'failed';

export class SupervisedSidecar {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly backoff: RestartBackoff;
  private stopped: Promise<number> | undefined;
  state: SidecarState = 'starting';
  /** Starts after the first, i.e. restarts. */
  restarts = 0;

  constructor(
    readonly spec: AppFileSidecar,
    private readonly bin: string,
    restart: RestartPolicy,
    private readonly prefix: string,
    private readonly output: DevOutput,
    /** Called on every start: readiness polling begins there. */
    private readonly onStart: (pid: number) => void,
  ) {
    this.backoff = new RestartBackoff(restart);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.spec.socket) mkdirSync(dirname(this.spec.socket), { recursive: true });
    const env = { ...process.env, ...this.spec.env, ...(this.spec.token !== undefined && { SQUIRE_TOKEN: this.spec.token }) };
    const child = spawn(process.execPath, [this.bin, ...sidecarArgs(this.spec)], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.state = 'running';
    this.backoff.started(Date.now());
    const out = new LinePrefixer(this.prefix);
    const err = new LinePrefixer(this.prefix);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.output.stdout(out.push(chunk)));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.output.stderr(err.push(chunk)));
    child.once('error', (error) => this.output.note(`cannot start: ${error.message}`));
    child.once('close', (code, signal) => {
      this.output.stdout(out.flush());
      this.output.stderr(err.flush());
      this.exited(child, code, signal);
    });
    if (child.pid !== undefined) {
      this.output.note(`started (pid ${child.pid}) on ${this.spec.url}`);
      this.onStart(child.pid);
    }
  }

  /** SIGTERM (the sidecar drains), then resolves with its exit code. */
  stop(): Promise<number> {
    this.stopped ??= new Promise<number>((resolve) => {
      clearTimeout(this.restartTimer);
      const child = this.child;
      if (!child || child.exitCode !== null || child.signalCode !== null || this.state === 'backing_off' || this.state === 'failed') {
        const code = this.state === 'failed' ? 1 : 0;
        this.state = 'stopped';
        return resolve(code);
      }
      this.state = 'stopping';
      child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
      child.kill('SIGTERM');
    });
    return this.stopped;
  }

  /** kill -9, for a second Ctrl-C or a runner that is going down. */
  kill(): void {
    clearTimeout(this.restartTimer);
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (this.state === 'stopping') {
      this.state = 'stopped';
      this.output.note(`stopped (${how})`);
      return;
    }
    if (code === EXIT_INVALID_CONFIG) {
      this.state = 'failed';
      this.output.note(`exited (${how}): invalid configuration, not restarting`);
      return;
    }
    const { delayMs, restart } = this.backoff.crashed(Date.now());
    this.state = 'backing_off';
    this.output.note(`exited (${how}); restart ${restart} in ${delayMs} ms`);
    this.restartTimer = setTimeout(() => {
      this.restarts += 1;
      this.start();
    }, delayMs);
  }
}
