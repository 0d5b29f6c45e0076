import { describe, expect, it } from 'vitest';
import { LinePrefixer } from './line-prefixer.js';
import { RestartBackoff } from './restart-backoff.js';

describe('RestartBackoff', () => {
  const policy = { initialDelayMs: 500, maxDelayMs: 4000, resetAfterMs: 30_000 };

  it('doubles the delay for each crash in a row, up to the cap', () => {
    const backoff = new RestartBackoff(policy);
    const delays: number[] = [];
    let now = 0;
    backoff.started(now);
    for (let crash = 0; crash < 6; crash += 1) {
      now += 100;
      const { delayMs } = backoff.crashed(now);
      delays.push(delayMs);
      now += delayMs;
      backoff.started(now);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });

  it('starts again from the first delay after a process stayed up long enough', () => {
    const backoff = new RestartBackoff(policy);
    backoff.started(0);
    expect(backoff.crashed(10)).toEqual({ delayMs: 500, restart: 1 });
    backoff.started(510);
    expect(backoff.crashed(600)).toEqual({ delayMs: 1000, restart: 2 });
    backoff.started(1600);
    expect(backoff.crashed(1600 + 30_000)).toEqual({ delayMs: 500, restart: 1 });
  });
});

describe('LinePrefixer', () => {
  it('prefixes whole lines only, across chunk boundaries', () => {
    const prefixer = new LinePrefixer('echo | ');
    expect(prefixer.push('{"a":')).toBe('');
    expect(prefixer.push('1}\n{"b"')).toBe('echo | {"a":1}\n');
    expect(prefixer.push(':2}\n\nlast')).toBe('echo | {"b":2}\necho | \n');
    expect(prefixer.flush()).toBe('echo | last\n');
    expect(prefixer.flush()).toBe('');
  });
});
