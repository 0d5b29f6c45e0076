import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth } from './json-depth.js';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('exceedsJsonDepth', () => {
  it('counts the deepest nesting of objects and arrays, the outermost as 1', () => {
    expect(exceedsJsonDepth('{"a":{"b":[1,2,{"c":[]}]}}', 5)).toBe(false);
    expect(exceedsJsonDepth('{"a":{"b":[1,2,{"c":[]}]}}', 4)).toBe(true);
    expect(exceedsJsonDepth(`{"input":${nested(63)}}`, 64)).toBe(false);
    expect(exceedsJsonDepth(`{"input":${nested(64)}}`, 64)).toBe(true);
  });

  it('measures depth, not the number of containers', () => {
    const wide = `[${Array.from({ length: 10_000 }, () => '{"a":[1]}').join(',')}]`;
    expect(exceedsJsonDepth(wide, 3)).toBe(false);
    expect(exceedsJsonDepth(wide, 2)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ text: `${'['.repeat(500)} \\" {{{ "` });
    expect(exceedsJsonDepth(text, 1)).toBe(false);
    expect(exceedsJsonDepth('{"a":"\\\\"}', 1)).toBe(false);
    expect(exceedsJsonDepth('{"a":"\\\\","b":[[]]}', 2)).toBe(true);
  });

  it('handles scalars and short texts without scanning', () => {
    expect(exceedsJsonDepth('42', 1)).toBe(false);
    expect(exceedsJsonDepth('"[[[["', 1)).toBe(false);
    expect(exceedsJsonDepth('[[]]', 1)).toBe(true);
  });

  it('scans a million levels without recursion', () => {
    expect(exceedsJsonDepth(nested(1_000_000), 1_000_000)).toBe(false);
    expect(exceedsJsonDepth(nested(1_000_001), 1_000_000)).toBe(true);
  });
});
