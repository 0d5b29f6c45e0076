/**
 * Issue #10, item 4: with its log pipe closed (`squire-sidecar | head -3`,
 * or a `pino-pretty` that was stopped with Ctrl-C) the sidecar used to close
 * its listener on SIGTERM and then never exit. Now every write to a closed
 * destination is dropped, SIGTERM exits 0 within the grace period whatever
 * state stdout is in, and a second signal exits at once with code 130
 * (SIGINT) or 143 (SIGTERM), as a shell reports a signal's death.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http, invoke } from '../helpers/http.js';

afterAll(stopAllSidecars);

const GRACE_MS = 3000;

/** Closes the reading end of the sidecar's stdout pipe, as `head` does once it has its lines. */
async function closeStdout(sidecar: RunningSidecar): Promise<void> {
  sidecar.process.stdout!.destroy();
  expect((await http(sidecar.url, '/healthz')).status).toBe(200);
}

/** The exit code (or signal) and how long it took; the sidecar is killed if it outlives `limitMs`. */
async function exitAfter(sidecar: RunningSidecar, signals: NodeJS.Signals[], limitMs: number): Promise<{ exit: number | string; ms: number }> {
  const started = Date.now();
  const stopped = sidecar.stop(signals[0], limitMs);
  for (const signal of signals.slice(1)) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    sidecar.process.kill(signal);
  }
  const exit = await stopped;
  return { exit, ms: Date.now() - started };
}

describe('SIGTERM with stdout closed', () => {
  // The first line written after the close is the drain's own: its failed
  // write and the flush at exit race, which is where the process used to hang.
  it('exits 0 within the grace period when idle', async () => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--grace-ms', String(GRACE_MS)] });
    await closeStdout(sidecar);
    const { exit, ms } = await exitAfter(sidecar, ['SIGTERM'], GRACE_MS + 5000);
    console.log(`closed stdout, idle: exit ${exit} after ${ms} ms (grace ${GRACE_MS} ms)`);
    expect(exit).toBe(0);
    expect(ms).toBeLessThan(GRACE_MS);
  });

  it('exits 0 after draining a run that was in flight', async () => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--grace-ms', String(GRACE_MS)] });
    await closeStdout(sidecar);
    // A request whose access line meets the closed pipe before the signal does.
    expect((await invoke(sidecar.url, { ms: 10 })).status).toBe(200);
    const call = invoke(sidecar.url, { ms: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { exit } = await exitAfter(sidecar, ['SIGTERM'], GRACE_MS + 5000);
    expect(exit).toBe(0);
    // The drain still served the call it had admitted.
    expect((await call).status).toBe(200);
  });
});

describe('a second signal', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s during a drain exits at once with %i', async (second, code) => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--grace-ms', '60000'] });
    await closeStdout(sidecar);
    const call = invoke(sidecar.url, { ms: 30_000 }).catch(() => 'cut off');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // A drain of a 30 s run with a 60 s grace: only the second signal can end it before the limit.
    const { exit } = await exitAfter(sidecar, ['SIGTERM', second], 10_000);
    expect(exit).toBe(code);
    await call;
  });
});
