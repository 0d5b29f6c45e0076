import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCESS_FLUSH_MS, accessLogger, createLogger, flushLogs } from './logger.js';

const fds: number[] = [];
afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
});

function logFile() {
  const path = join(mkdtempSync(join(tmpdir(), 'squire-log-')), 'out.log');
  const fd = openSync(path, 'a');
  fds.push(fd);
  const lines = () =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { fd, lines };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createLogger', () => {
  it('writes other lines at once and access lines in a batch within ACCESS_FLUSH_MS', async () => {
    const { fd, lines } = logFile();
    const log = createLogger({ level: 'info', fd });
    for (let i = 0; i < 3; i += 1) accessLogger(log).info({ n: i }, 'request');
    log.warn('not buffered');
    await settle(20);
    expect(lines().map((line) => line.msg)).toEqual(['not buffered']);
    await settle(ACCESS_FLUSH_MS + 100);
    expect(lines().filter((line) => line.msg === 'request').map((line) => line.n)).toEqual([0, 1, 2]);
  });

  it('writes waiting access lines out synchronously on flushLogs (drain, fatal errors)', () => {
    const { fd, lines } = logFile();
    const log = createLogger({ level: 'info', fd });
    accessLogger(log).info({ n: 1 }, 'request');
    flushLogs(log);
    expect(lines()).toEqual([expect.objectContaining({ msg: 'request', n: 1 })]);
  });

  it('keeps every access line, whole, when many are written at once', async () => {
    const { fd, lines } = logFile();
    const log = createLogger({ level: 'info', fd });
    for (let i = 0; i < 2000; i += 1) accessLogger(log).info({ n: i, path: '/v1/invoke' }, 'request');
    await settle(ACCESS_FLUSH_MS + 200);
    flushLogs(log);
    expect(lines().map((line) => line.n)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  // /dev/full fails every write (ENOSPC), as a gone reader fails them with EPIPE:
  // the access destination must drop its batch like the other, not retry it forever.
  it.runIf(process.platform === 'linux')('drops access lines once a write fails, and flushLogs returns at once', async () => {
    const fd = openSync('/dev/full', 'w');
    fds.push(fd);
    const log = createLogger({ level: 'info', fd });
    for (let i = 0; i < 200; i += 1) accessLogger(log).info({ n: i, path: '/v1/invoke' }, 'request');
    log.info('not buffered');
    await settle(ACCESS_FLUSH_MS + 100);
    accessLogger(log).info({ n: 'after' }, 'request');
    // Returns: a destination retrying its failed write would hang here past the test's timeout.
    flushLogs(log);
  });
});
