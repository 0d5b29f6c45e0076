/**
 * `squire runs …` against a real sidecar: JSON lines when piped, a live
 * progress line and a table on a terminal (a pseudo-terminal from util-linux
 * `script`), exit codes by the run's outcome.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, squire } from '../helpers/cli.js';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';

let slow: RunningSidecar;

beforeAll(async () => {
  // One slot: a run can be held queued behind another, so the terminal test sees every state.
  slow = await startSidecar({ agent: 'slow', socket: true, args: ['--slots', '1'] });
});
afterAll(stopAllSidecars);

/**
 * Runs the CLI with a terminal for stdout and stderr; resolves with what the
 * terminal showed. `watch` sees the screen so far after each chunk.
 */
function onTerminal(args: string[], watch: (screen: string) => void = () => undefined): Promise<{ status: number | null; screen: string }> {
  const command = [process.execPath, CLI, ...args].map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', `stty cols 200 rows 40; ${command}`, '/dev/null'], { env: { PATH: process.env.PATH ?? '', TERM: 'xterm' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      watch(screen);
    });
    child.on('exit', (status) => resolve({ status, screen }));
  });
}

const lines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

async function submit(input: object): Promise<string> {
  const submitted = await squire(['runs', 'submit', slow.endpoint, '--input', JSON.stringify(input)]);
  expect(submitted.code).toBe(0);
  const [answer] = lines(submitted.stdout);
  expect(answer).toMatchObject({ run_id: expect.stringMatching(/^run_/), input });
  expect(['queued', 'running']).toContain(answer!.status);
  return answer!.run_id as string;
}

describe('squire runs, piped', () => {
  it('submits, waits (one JSON line: the record) and gets the same record', async () => {
    const runId = await submit({ ms: 200, steps: 2 });
    const waited = await squire(['runs', 'wait', slow.endpoint, runId]);
    expect(waited.code).toBe(0);
    expect(lines(waited.stdout)).toEqual([expect.objectContaining({ run_id: runId, status: 'succeeded', output: expect.objectContaining({ attempt: 1 }) })]);
    const got = await squire(['runs', 'get', slow.endpoint, runId]);
    expect(lines(got.stdout)[0]).toEqual(lines(waited.stdout)[0]);
  });

  it('prints the events as JSON lines, from --after on', async () => {
    const runId = await submit({ ms: 60, steps: 3 });
    const all = await squire(['runs', 'events', slow.endpoint, runId]);
    expect(all.code).toBe(0);
    expect(lines(all.stdout).map((event) => event.type)).toEqual(['run.started', 'run.progress', 'run.progress', 'run.progress', 'run.completed']);
    const later = await squire(['runs', 'events', slow.endpoint, runId, '--after', '3']);
    expect(lines(later.stdout).map((event) => event.seq)).toEqual([4, 5]);
  });

  it('cancels a run; wait then exits 1 with the cancelled record', async () => {
    const runId = await submit({ ms: 30_000 });
    const cancelled = await squire(['runs', 'cancel', slow.endpoint, runId]);
    expect(cancelled.code).toBe(0);
    const waited = await squire(['runs', 'wait', slow.endpoint, runId]);
    expect(waited.code).toBe(1);
    expect(lines(waited.stdout)).toEqual([expect.objectContaining({ run_id: runId, status: 'cancelled' })]);
  });

  it('stops waiting after --timeout-ms with exit 1 and wait_timeout', async () => {
    const runId = await submit({ ms: 5_000 });
    const waited = await squire(['runs', 'wait', slow.endpoint, runId, '--timeout-ms', '300']);
    expect(waited.code).toBe(1);
    expect(waited.stderr).toMatch(/^wait_timeout:/);
    expect(waited.stdout).toBe('');
    await squire(['runs', 'cancel', slow.endpoint, runId]);
  });

  it('lists runs as JSON lines, filtered by status and paged with --all', async () => {
    const succeeded = await squire(['runs', 'list', slow.endpoint, '--status', 'succeeded']);
    const listed = lines(succeeded.stdout);
    expect(listed.length).toBeGreaterThanOrEqual(2);
    expect(new Set(listed.map((run) => run.status))).toEqual(new Set(['succeeded']));
    const paged = await squire(['runs', 'list', slow.endpoint, '--status', 'succeeded', '--limit', '1', '--all']);
    expect(lines(paged.stdout).map((run) => run.run_id)).toEqual(listed.map((run) => run.run_id));
    const firstPage = await squire(['runs', 'list', slow.endpoint, '--status', 'succeeded', '--limit', '1']);
    expect(lines(firstPage.stdout)).toHaveLength(1);
    expect(firstPage.stderr).toMatch(/more runs: --cursor \S+/);
  });

  it('prints the existing run for a replayed Idempotency-Key, as it is now', async () => {
    const first = await squire(['runs', 'submit', slow.endpoint, '--input', '{"ms":1}', '--idempotency-key', 'cli-replay', '--wait']);
    expect(first.code).toBe(0);
    const again = await squire(['runs', 'submit', slow.endpoint, '--input', '{"ms":1}', '--idempotency-key', 'cli-replay']);
    expect(lines(again.stdout)).toEqual([expect.objectContaining({ run_id: lines(first.stdout)[0]!.run_id, status: 'succeeded' })]);
  });

  it('answers usage errors with exit 2 and not-found runs with exit 1', async () => {
    expect((await squire(['runs'])).code).toBe(2);
    expect((await squire(['runs', 'frobnicate', slow.endpoint])).code).toBe(2);
    expect((await squire(['runs', 'get', slow.endpoint])).code).toBe(2);
    expect((await squire(['runs', 'list', slow.endpoint, '--status', 'sleeping'])).code).toBe(2);
    expect((await squire(['runs', 'submit', slow.endpoint, '--input', '{nope'])).code).toBe(2);
    const missing = await squire(['runs', 'get', slow.endpoint, 'run_does_not_exist']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^not_found:/);
  });
});

describe('squire runs, on a terminal', () => {
  it('draws a progress line while waiting (queued, then running with progress), then the outcome and the record', async () => {
    const blocker = await submit({ ms: 30_000 });
    const runId = await submit({ ms: 300, steps: 3 }); // queued behind the blocker: one slot
    let released: Promise<unknown> | undefined;
    const { status, screen } = await onTerminal(['runs', 'wait', slow.endpoint, runId], (shown) => {
      if (!released && shown.includes(`${runId} · queued`)) released = squire(['runs', 'cancel', slow.endpoint, blocker]);
    });
    await released;
    expect(status).toBe(0);
    expect(screen).toMatch(new RegExp(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] ${runId} · queued · attempt 0 · \\d+\\.\\d s`));
    expect(screen).toMatch(new RegExp(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] ${runId} · running · attempt 1 · \\d+\\.\\d s · progress \\{"step":1,"of":3\\}`));
    expect(screen).toMatch(new RegExp(`✔ ${runId} succeeded after \\d+\\.\\d s, attempt 1`));
    expect(screen).toContain('"status": "succeeded"'); // the record, indented for reading
  });

  it('lists runs as a table', async () => {
    const { status, screen } = await onTerminal(['runs', 'list', slow.endpoint, '--status', 'succeeded']);
    expect(status).toBe(0);
    expect(screen).toMatch(/RUN ID\s+STATUS\s+ATTEMPT\s+CREATED\s+FINISHED/);
    expect(screen).toMatch(/run_\S+\s+succeeded\s+1\/\d+/);
  });
});
