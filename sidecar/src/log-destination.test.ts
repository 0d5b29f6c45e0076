import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLogDestination } from './log-destination.js';

describe('openLogDestination', () => {
  it('writes every line, and the final flush writes what is still pending', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'squire-log-')), 'out.log');
    const fd = openSync(file, 'w');
    const destination = openLogDestination(fd);
    for (let i = 0; i < 100; i += 1) destination.write(`line ${i}\n`);
    destination.flushSync();
    // The first line went out in an asynchronous write that was already under
    // way (its callback owns it); the flush wrote the 99 behind it at once.
    const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean);
    for (let i = 0; i < 100 && lines().length < 100; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    closeSync(fd);
    expect([...lines()].sort((a, b) => Number(a.split(' ')[1]) - Number(b.split(' ')[1]))).toEqual(Array.from({ length: 100 }, (_, i) => `line ${i}`));
  });

  // /dev/full fails every write (ENOSPC), as a gone reader fails them with EPIPE:
  // sonic-boom alone would throw from its callback, and retry forever in flushSync.
  it.runIf(process.platform === 'linux')('drops lines once a write fails, and its final flush returns at once', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const destination = openLogDestination(fd);
      destination.write('first\n');
      destination.write('second\n');
      destination.flushSync();
      await new Promise((resolve) => setTimeout(resolve, 20));
      destination.write('after\n');
      destination.flushSync();
    } finally {
      closeSync(fd);
    }
  });
});
