/**
 * @module
 * Contract of a store across kill -9: store operations run in a child
 * process (`crash-child.contract.ts`) that is killed between steps, at
 * different moments; the store reopened afterwards must hold every
 * acknowledged submission, never a run's end without its terminal event nor
 * the event without the end, and a claim together with its `run.started`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import type { ContractContext, StoreContractTarget } from './store.contract.js';
import { TERMINAL, allRuns, newRun } from './fixtures.contract.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CHILD = fileURLToPath(new URL('./crash-child.contract.ts', import.meta.url));

/** A child process running one store scenario, whose output lines the test waits on. */
class StoreChild {
  readonly lines: string[] = [];
  private output = '';
  private readonly exited: Promise<void>;
  private onLine: (() => void) | undefined;

  constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = this.output + chunk.toString('utf8');
      const parts = text.split('\n');
      this.output = parts.pop()!;
      this.lines.push(...parts);
      this.onLine?.();
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (child.signalCode !== 'SIGKILL' && stderr) process.stderr.write(`store child exited: ${stderr}\n`);
    });
  }

  static start(target: StoreContractTarget, location: string, scenario: string): StoreChild {
    return new StoreChild(spawn(process.execPath, ['--import', TSX, CHILD, target.childModule, location, scenario], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  count(prefix: string): number {
    return this.lines.filter((line) => line.startsWith(prefix)).length;
  }

  /** Resolves once `done()` holds, checked after every line; rejects if the child exits or time runs out first. */
  waitFor(done: () => boolean, timeoutMs = 30_000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`store child: condition not met in ${timeoutMs} ms; output:\n${this.lines.slice(-20).join('\n')}`)), timeoutMs);
      this.onLine = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.onLine = undefined;
        resolve();
      };
      void this.exited.then(() => {
        clearTimeout(timer);
        if (!done()) reject(new Error(`store child exited early; output:\n${this.lines.slice(-20).join('\n')}`));
      });
    });
  }

  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Every run's state against its events: an end always with its one terminal event (last), and never an event without the end. */
async function endingsOf(store: Store): Promise<{ finished: number; running: number; queued: number; broken: string[] }> {
  const summary = { finished: 0, running: 0, queued: 0, broken: [] as string[] };
  for (const run of await allRuns(store)) {
    const events = await store.events.after(run.run_id, 0, 1000);
    const terminal = events.filter((event) => TERMINAL.has(event.type));
    const ended = run.status !== 'queued' && run.status !== 'running';
    if (ended) summary.finished += 1;
    else if (run.status === 'running') summary.running += 1;
    else summary.queued += 1;
    const consistent = ended ? terminal.length === 1 && TERMINAL.has(events.at(-1)!.type) : terminal.length === 0;
    const numbered = events.every((event, i) => event.seq === i + 1);
    if (!consistent || !numbered) summary.broken.push(`${run.run_id} ${run.status}: ${events.map((event) => `${event.seq}:${event.type}`).join(',')}`);
  }
  return summary;
}

export function crashContract({ target, open }: ContractContext): void {
  describe('kill -9 between steps (a child process runs the store)', () => {
    it('keeps every acknowledged submission', async () => {
      const location = await target.freshLocation();
      const child = StoreChild.start(target, location, 'submit');
      await child.waitFor(() => child.count('acked') >= 40);
      await child.kill9();
      const acked = child.lines.filter((line) => line.startsWith('acked ')).map((line) => line.slice(6));
      const store = await open(location);
      const missing: string[] = [];
      for (const id of acked) if ((await store.runs.get(id))?.status !== 'queued') missing.push(id);
      console.log(`crash contract: ${acked.length} submissions acknowledged before kill -9, ${missing.length} missing after it`);
      expect(missing).toEqual([]);
    });

    it('never separates a run’s end from its terminal event, killed at three different moments', async () => {
      const location = await target.freshLocation();
      const seed = await open(location);
      for (let i = 0; i < 30; i += 1) await Promise.all(Array.from({ length: 8 }, () => seed.runs.submit(newRun())));
      await seed.close();
      let kills = 0;
      for (const after of [10, 60, 120]) {
        const child = StoreChild.start(target, location, 'work');
        await child.waitFor(() => child.count('finished') >= after || child.count('idle') > 0);
        await child.kill9();
        kills += 1;
        const store = await open(location);
        const endings = await endingsOf(store);
        expect(endings.broken).toEqual([]);
        // The dead child's leases: expire them, as time would.
        await store.runs.reclaimExpired(Date.now() + 3_600_000);
        await store.close();
      }
      const store = await open(location);
      const endings = await endingsOf(store);
      console.log(`crash contract: 240 runs, ${kills} kills: ${endings.finished} ended, ${endings.queued} queued, ${endings.running} running, ${endings.broken.length} inconsistent`);
      expect(endings.broken).toEqual([]);
      expect(endings.finished + endings.queued).toBe(240);
    });

    it('keeps a claim and its run.started together, and counts the cut attempt when reclaimed', async () => {
      const location = await target.freshLocation();
      const seed = await open(location);
      const run = newRun();
      await seed.runs.submit(run);
      await seed.close();
      const child = StoreChild.start(target, location, 'claim-one');
      await child.waitFor(() => child.count('claimed') === 1);
      await child.kill9();
      const store = await open(location);
      expect(await store.runs.get(run.id)).toMatchObject({ status: 'running', attempt: 1 });
      expect((await store.events.after(run.id, 0, 10)).map((event) => `${event.seq}:${event.type}`)).toEqual(['1:run.started']);
      expect(await store.runs.reclaimExpired(Date.now() + 3_600_000)).toEqual({ requeued: 1, failed: 0 });
      const [again] = await store.runs.claimNext(Date.now(), 10_000, 1);
      expect(again).toMatchObject({ lease: { runId: run.id, attempt: 2 }, started: { seq: 2 } });
    });
  });
}
