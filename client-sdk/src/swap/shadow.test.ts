import { describe, expect, it } from 'vitest';
import type { InvokeResult } from '../contract/index.js';
import type { CallOptions } from '../options.js';
import { withShadow } from './shadow.js';

class FakeHandle {
  invocations = 0;
  async invoke(input: { n: number }, _options: CallOptions = {}): Promise<InvokeResult<number>> {
    this.invocations += 1;
    if (input.n < 0) throw new Error('agent failed');
    return { run_id: 'run_1', status: 'succeeded', output: input.n * 2, usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0, llm_calls: 0 }, timing: { queued_ms: 0, run_ms: 0, total_ms: 0 } };
  }
  async call(input: { n: number }): Promise<number> {
    return (await this.invoke(input)).output;
  }
  describe(): string {
    return 'descriptor';
  }
}

describe('withShadow', () => {
  it('mirrors each successful invoke (and call) with its body and output, and nothing else', async () => {
    const mirrored: Array<{ body: string; output: unknown }> = [];
    const handle = new FakeHandle();
    const shadowed = withShadow(handle, { mirror: (body, output) => mirrored.push({ body, output }) }, (input) => JSON.stringify({ input }));
    expect(await shadowed.invoke({ n: 2 })).toMatchObject({ output: 4 });
    expect(await shadowed.call({ n: 3 })).toBe(6);
    await expect(shadowed.invoke({ n: -1 })).rejects.toThrow('agent failed');
    expect(mirrored).toEqual([
      { body: '{"input":{"n":2}}', output: 4 },
      { body: '{"input":{"n":3}}', output: 6 },
    ]);
    expect(handle.invocations).toBe(3);
  });

  it('is the same handle otherwise: other methods and instanceof are its own', () => {
    const handle = new FakeHandle();
    const shadowed = withShadow(handle, { mirror: () => undefined }, () => '');
    expect(shadowed).toBeInstanceOf(FakeHandle);
    expect(shadowed.describe()).toBe('descriptor');
    expect(handle.invoke).toBe(FakeHandle.prototype.invoke);
  });
});
