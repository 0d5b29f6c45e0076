/**
 * The `squire` CLI against a real sidecar: call, health, describe, types,
 * and its exit codes on errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { squire } from '../helpers/cli.js';
import { REPO_ROOT, startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';

let echo: RunningSidecar;

beforeAll(async () => {
  echo = await startSidecar({ agent: 'echo', socket: true });
});
afterAll(stopAllSidecars);

describe('squire CLI', () => {
  it('calls an agent over a unix socket and prints the result', async () => {
    const { code, stdout } = await squire(['call', echo.endpoint, '--input', '{"text":"from the cli"}']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).output).toEqual({ text: 'from the cli' });
  });

  it('streams events as JSON lines', async () => {
    const { code, stdout } = await squire(['call', echo.endpoint, '--input', '{"text":"s"}', '--stream']);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n').map((line) => JSON.parse(line).type)).toEqual(['run.started', 'run.completed']);
  });

  it('checks health and describes', async () => {
    expect(JSON.parse((await squire(['health', echo.endpoint])).stdout)).toEqual({ live: true, ready: true });
    expect(JSON.parse((await squire(['describe', echo.endpoint])).stdout).name).toBe('echo');
  });

  it('writes the agent types from its descriptor: the same as the committed, type-checked test/types/generated/echo.ts', async () => {
    const { code, stdout } = await squire(['types', echo.endpoint]);
    expect(code).toBe(0);
    expect(stdout).toBe(readFileSync(join(REPO_ROOT, 'test/types/generated/echo.ts'), 'utf8'));
    expect((await squire(['types', echo.endpoint, '--name', 'not an identifier'])).code).toBe(2);
  });

  it('exits 1 with the problem code on stderr when the call fails, 2 on usage errors', async () => {
    const failed = await squire(['call', echo.endpoint, '--input', '{"text":1}']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^invalid_input:/);
    expect((await squire(['call', echo.endpoint, '--input', '{nope'])).code).toBe(2);
    expect((await squire(['frobnicate', echo.endpoint])).code).toBe(2);
    const down = await squire(['health', 'http://127.0.0.1:1']);
    expect(down.code).toBe(1);
  });
});
