/**
 * `squire dev -f squire.yaml`: three sidecars of one application start
 * together, the SDK finds them through the same file, one killed with
 * kill -9 comes back (with back-off) as a new process, and one SIGINT — a
 * terminal's Ctrl-C — drains all three (a call in flight still gets its
 * answer) before the runner exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, sidecarsFromFile, type SquireClient } from '@squire/client';
import { agentPath, REPO_ROOT } from '../helpers/spawn-sidecar.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'squire-dev-'));
const file = join(dir, 'squire.yaml');
let runner: ChildProcess;
let output = '';
let exited: Promise<number | null>;
let client: SquireClient;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** Every pid the runner reported starting, per sidecar, in order. */
function pids(name: string): number[] {
  return [...output.matchAll(new RegExp(`\\| ${name}: started \\(pid (\\d+)\\)`, 'g'))].map((match) => Number(match[1]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  writeFileSync(
    file,
    `# three sidecars of one application
env: { SQUIRE_LOG_LEVEL: warn }
restart: { initialDelayMs: 300, maxDelayMs: 2000 }
sidecars:
  echo:
    agent: ${agentPath('echo')}
    port: ${await freePort()}
    token: a-development-token-0123
  slow:
    agent: ${agentPath('slow')}
    socket: ./run/slow.sock
    args: ["--grace-ms", "10000"]
    env: { SQUIRE_LOG_LEVEL: info }   # its own env wins over the file's
  assistant:
    agent: ${agentPath('assistant')}
    socket: ./run/assistant.sock
`,
  );
  runner = spawn(process.execPath, [join(REPO_ROOT, 'client-sdk/dist/cli.js'), 'dev', '-f', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  runner.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  runner.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  exited = new Promise((resolve) => runner.once('exit', (code) => resolve(code)));
  await waitFor(async () => output.includes('all 3 sidecars ready'), 45_000).catch(() => {
    throw new Error(`the sidecars did not get ready:\n${output}`);
  });
  client = createClient({ sidecars: await sidecarsFromFile(file), timeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  await client?.destroy();
  // Whatever a failed test left: the runner and every sidecar it started.
  for (const pid of ['echo', 'slow', 'assistant'].flatMap(pids)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  if (runner?.exitCode === null) runner.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('squire dev -f squire.yaml', () => {
  it('starts every sidecar of the file, each reachable through sidecarsFromFile(file)', async () => {
    expect(pids('echo')).toHaveLength(1);
    expect((await client.agent('echo').call({ text: 'from the file' })) as unknown).toEqual({ text: 'from the file' });
    expect(((await client.agent('slow').call({ ms: 5 })) as { attempt: number }).attempt).toBe(1);
    expect((await client.agent('assistant').invoke({ question: 'What is 2+2?' })).status).toBe('succeeded');
    // The token of the file is the one the sidecar requires.
    const noToken = createClient({ sidecars: { echo: (await sidecarsFromFile(file)).echo!.url! } });
    await expect(noToken.agent('echo').call({ text: 'x' })).rejects.toMatchObject({ code: 'unauthorized' });
    await noToken.destroy();
  });

  it('prefixes each line with the name of the sidecar that wrote it', () => {
    expect(output).toMatch(/^squire {4}\| starting 3 sidecars from /m);
    expect(output).toMatch(/^slow {6}\| \{.*"msg":"listening"/m);
    expect(output).not.toMatch(/^(echo|assistant) +\| \{.*"level":"info"/m);
  });

  it('restarts a sidecar killed with kill -9, after its back-off, as a new process', async () => {
    const [first] = pids('echo');
    const others = [...pids('slow'), ...pids('assistant')];
    process.kill(first!, 'SIGKILL');
    await waitFor(async () => pids('echo').length === 2 && output.split('echo: ready at').length === 3, 20_000);
    expect(output).toContain('echo: exited (signal SIGKILL); restart 1 in 300 ms');
    expect(alive(pids('echo')[1]!)).toBe(true);
    expect((await client.agent('echo').call({ text: 'back' })) as unknown).toEqual({ text: 'back' });
    // The others were left alone.
    expect([...pids('slow'), ...pids('assistant')]).toEqual(others);
  });

  it('drains every sidecar on one SIGINT (a call in flight still succeeds) and exits 0', async () => {
    const inFlight = client.agent('slow').invoke({ ms: 1500 }, { maxRetries: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const running = ['echo', 'slow', 'assistant'].map((name) => pids(name).at(-1)!);
    runner.kill('SIGINT');
    expect((await inFlight).status).toBe('succeeded');
    expect(await exited).toBe(0);
    for (const name of ['echo', 'slow', 'assistant']) expect(output).toContain(`${name}: stopped (code 0)`);
    expect(output).toContain('all sidecars stopped');
    expect(running.filter(alive)).toEqual([]);
  });
});
