import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SquireConfigError } from '../errors.js';
import { readAppFile, sidecarsFromFile } from './app-file.js';

const dir = mkdtempSync(join(tmpdir(), 'squire-app-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('readAppFile', () => {
  it('resolves paths against the file, defaults the data dir per sidecar, and merges the environment', async () => {
    writeFileSync(join(dir, 'token'), 'from-a-file-0123456789\n');
    const path = file('ok.yaml', `
env: { SQUIRE_LOG_LEVEL: warn, SQUIRE_SLOTS: 2 }
sidecars:
  echo: { agent: ./agents/echo.ts, port: 7701, host: 0.0.0.0, tokenFile: ./token, env: { SQUIRE_SLOTS: 8 } }
  slow: { agent: /abs/slow.ts, socket: run/slow.sock, dataDir: /var/slow, args: ["--grace-ms", "1000"] }
`);
    const app = await readAppFile(path);
    expect(app.restart).toEqual({ initialDelayMs: 500, maxDelayMs: 30_000, resetAfterMs: 30_000 });
    expect(app.sidecars).toEqual([
      { name: 'echo', agent: join(dir, 'agents/echo.ts'), port: 7701, socket: undefined, host: '0.0.0.0', token: 'from-a-file-0123456789', dataDir: join(dir, '.squire-data/echo'), env: { SQUIRE_LOG_LEVEL: 'warn', SQUIRE_SLOTS: '8' }, args: [], url: 'http://127.0.0.1:7701' },
      { name: 'slow', agent: '/abs/slow.ts', port: undefined, socket: join(dir, 'run/slow.sock'), host: '127.0.0.1', token: undefined, dataDir: '/var/slow', env: { SQUIRE_LOG_LEVEL: 'warn', SQUIRE_SLOTS: '2' }, args: ['--grace-ms', '1000'], url: `unix:${join(dir, 'run/slow.sock')}` },
    ]);
    expect(await sidecarsFromFile(path)).toEqual({ echo: { url: 'http://127.0.0.1:7701', token: 'from-a-file-0123456789' }, slow: { url: `unix:${join(dir, 'run/slow.sock')}` } });
  });

  it('names every problem of an invalid file', async () => {
    const path = file('bad.yaml', `
sidecars:
  Echo: { agent: a.ts, port: 1 }
  both: { agent: b.ts, port: 1, socket: /x.sock }
  neither: { agent: c.ts, prot: 2 }
`);
    const error = await readAppFile(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SquireConfigError);
    const message = (error as Error).message;
    expect(message).toContain(`${path} is not a valid application file`);
    expect(message).toMatch(/sidecars\.Echo: the name must match/);
    expect(message).toMatch(/sidecars\.both: give exactly one of port or socket/);
    expect(message).toMatch(/sidecars\.neither: Unrecognized key: "prot"/);
  });

  it('says so when the file is missing, not YAML, or names no sidecar', async () => {
    await expect(readAppFile(join(dir, 'nope.yaml'))).rejects.toThrow(/cannot read the application file/);
    await expect(readAppFile(file('tabs.yaml', 'sidecars: [unclosed'))).rejects.toThrow(/is not YAML/);
    await expect(readAppFile(file('empty.yaml', 'sidecars: {}'))).rejects.toThrow(/name at least one sidecar/);
  });
});
