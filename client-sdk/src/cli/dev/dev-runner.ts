/**
 * @module
 * `squire dev`: every sidecar of an application file started together, like
 * `dapr run -f`. Output is prefixed per sidecar (coloured on a terminal),
 * readiness is checked through the SDK with the endpoints the file gives, a
 * crashed sidecar comes back with back-off, and one Ctrl-C drains them all
 * (a second one kills them).
 */
import type { AppFile } from '../../app-file/app-file.js';
import { createClient, type SquireClient } from '../../client.js';
import { sleep } from '../../internal/timers.js';
import { paint, useColour, type CliIo, type Colour } from '../io.js';
import { findSidecarBin } from './sidecar-bin.js';
import { SupervisedSidecar } from './supervised-sidecar.js';

const PALETTE: readonly Colour[] = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'];
const READY_POLL_MS = 200;

export class DevRunner {
  readonly sidecars: SupervisedSidecar[];
  private readonly client: SquireClient;
  private readonly colour: boolean;
  private readonly width: number;
  private readonly everReady = new Set<string>();
  private stopping: Promise<number> | undefined;

  constructor(
    private readonly file: AppFile,
    private readonly io: CliIo,
  ) {
    this.colour = useColour(io.stdout, io.env);
    this.width = Math.max('squire'.length, ...file.sidecars.map((sidecar) => sidecar.name.length));
    // Readiness probes only: a process that is still starting refuses connections,
    // which must not open a breaker that would hide it once it listens.
    this.client = createClient({
      maxRetries: 0,
      breakerFailureThreshold: Number.MAX_SAFE_INTEGER,
      sidecars: Object.fromEntries(file.sidecars.map((sidecar) => [sidecar.name, { url: sidecar.url, ...(sidecar.token !== undefined && { token: sidecar.token }) }])),
    });
    this.sidecars = file.sidecars.map((spec, index) => {
      const prefix = `${paint(spec.name.padEnd(this.width), PALETTE[index % PALETTE.length]!, this.colour)} | `;
      const sidecar: SupervisedSidecar = new SupervisedSidecar(
        spec,
        findSidecarBin(spec.agent, file.path),
        file.restart,
        prefix,
        {
          stdout: (text) => void (text && io.stdout.write(text)),
          stderr: (text) => void (text && io.stderr.write(text)),
          note: (message) => this.note(`${spec.name}: ${message}`),
        },
        (pid) => void this.watchReadiness(sidecar, pid),
      );
      return sidecar;
    });
  }

  start(): void {
    this.note(`starting ${this.sidecars.length} sidecar${this.sidecars.length === 1 ? '' : 's'} from ${this.file.path}`);
    for (const sidecar of this.sidecars) sidecar.start();
  }

  /** Drains every sidecar; resolves with the runner's exit code (0 when all exited 0). */
  stop(reason: string): Promise<number> {
    this.stopping ??= (async () => {
      this.note(`${reason}: draining ${this.sidecars.length} sidecar${this.sidecars.length === 1 ? '' : 's'} (again to kill)`);
      const codes = await Promise.all(this.sidecars.map((sidecar) => sidecar.stop()));
      await this.client.destroy();
      const clean = codes.every((code) => code === 0);
      this.note(clean ? 'all sidecars stopped' : `stopped; exit codes ${codes.join(', ')}`);
      return clean ? 0 : 1;
    })();
    return this.stopping;
  }

  /** kill -9 every sidecar at once. */
  kill(): void {
    for (const sidecar of this.sidecars) sidecar.kill();
  }

  /** True once no sidecar runs or will restart (all failed for good). */
  allFailed(): boolean {
    return this.sidecars.every((sidecar) => sidecar.state === 'failed');
  }

  private async watchReadiness(sidecar: SupervisedSidecar, pid: number): Promise<void> {
    while (!this.stopping && sidecar.pid === pid && sidecar.state === 'running') {
      const health = await this.client.health(sidecar.spec.name).catch(() => ({ live: false, ready: false }));
      if (health.ready && sidecar.pid === pid) {
        this.note(`${sidecar.spec.name}: ready at ${sidecar.spec.url}`);
        this.everReady.add(sidecar.spec.name);
        if (this.everReady.size === this.sidecars.length && sidecar.restarts === 0) this.note(`all ${this.sidecars.length} sidecars ready`);
        return;
      }
      await sleep(READY_POLL_MS);
    }
  }

  private note(message: string): void {
    this.io.stdout.write(`${paint('squire'.padEnd(this.width), 'bold', this.colour)} | ${message}\n`);
  }
}
