import { describe, expect, it } from 'vitest';
import { UsageMeter } from './llm-client.js';

describe('UsageMeter', () => {
  it('counts a streaming call as it streams, and its reported usage once it completes', () => {
    const meter = new UsageMeter();
    const call = meter.begin(10);
    expect(meter.snapshot()).toEqual({ input_tokens: 0, output_tokens: 0, total_tokens: 0, llm_calls: 0 });
    call.streamed('abcdefgh');
    expect(meter.snapshot()).toEqual({ input_tokens: 10, output_tokens: 2, total_tokens: 12, llm_calls: 1 });
    call.settle({ input_tokens: 12, output_tokens: 30 });
    call.cutOff();
    expect(meter.snapshot()).toEqual({ input_tokens: 12, output_tokens: 30, total_tokens: 42, llm_calls: 1 });
  });

  it('keeps what a cut-off call streamed, drops a call that produced nothing, and stops growing after the cut', () => {
    const meter = new UsageMeter();
    const cut = meter.begin(10);
    cut.streamed('abcd');
    cut.cutOff();
    meter.begin(50).cutOff();
    const after = meter.snapshot();
    expect(after).toEqual({ input_tokens: 10, output_tokens: 1, total_tokens: 11, llm_calls: 1 });
    cut.settle({ input_tokens: 99, output_tokens: 99 });
    expect(meter.snapshot()).toEqual(after);
  });
});
