import { describe, expect, it } from 'vitest';
import { OfflineBackend } from './offline-model.js';
import { sampleFromSchema } from './json-schema-sample.js';

const signal = new AbortController().signal;
const weatherTool = { name: 'get_weather', description: 'Current weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const lookupTool = { name: 'lookup_order', description: 'Find an order by number', parameters: { type: 'object', properties: { order: { type: 'integer' } } } };

describe('OfflineBackend', () => {
  it('calls the tool that fits the question, with arguments taken from it', async () => {
    const backend = new OfflineBackend();
    const result = await backend.complete({ model: 'm', messages: [{ role: 'user', content: 'Where is order 1234?' }], tools: [weatherTool, lookupTool] }, { signal });
    expect(result.finishReason).toBe('tool_calls');
    expect(result.toolCalls[0]!.function.name).toBe('lookup_order');
    expect(JSON.parse(result.toolCalls[0]!.function.arguments)).toEqual({ order: 1234 });
  });

  it('answers after a tool result, filling the schema from it, the same way every time', async () => {
    const backend = new OfflineBackend();
    const request = {
      model: 'm',
      messages: [
        { role: 'user' as const, content: 'Weather in Paris?' },
        { role: 'assistant' as const, content: null, tool_calls: [{ id: 'c1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool' as const, tool_call_id: 'c1', content: '{"city":"Paris","temperature_c":14}' },
      ],
      tools: [weatherTool],
      responseSchema: { name: 'out', schema: { type: 'object', properties: { answer: { type: 'string' }, temperature_c: { type: ['number', 'null'] } }, required: ['answer', 'temperature_c'] } },
    };
    const deltas: string[] = [];
    const first = await backend.complete(request, { signal, onDelta: (delta) => deltas.push(delta) });
    const second = await backend.complete(request, { signal });
    expect(first.content).toBe(second.content);
    expect(JSON.parse(first.content!)).toMatchObject({ temperature_c: 14 });
    expect(deltas.join('')).toBe(first.content);
    expect(deltas.length).toBeGreaterThan(1);
    expect(first.usage.output_tokens).toBeGreaterThan(0);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('deadline'));
    await expect(new OfflineBackend().complete({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal })).rejects.toThrow('deadline');
  });
});

describe('sampleFromSchema', () => {
  it('satisfies nested objects, arrays, enums, bounds, formats and nullables', () => {
    const value = sampleFromSchema(
      {
        type: 'object',
        properties: {
          tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, minItems: 2 },
          score: { type: 'integer', minimum: 5, maximum: 9 },
          when: { type: 'string', format: 'date-time' },
          maybe: { anyOf: [{ type: 'string', minLength: 3 }, { type: 'null' }] },
          nested: { type: 'object', properties: { ok: { type: 'boolean' } } },
        },
      },
      { text: 'hi' },
    );
    expect(value).toEqual({ tags: ['a', 'a'], score: 5, when: '2026-01-01T00:00:00.000Z', maybe: 'hi.', nested: { ok: true } });
  });
});

describe('OfflineBackend without a fitting tool', () => {
  it('answers directly when no tool shares a word with the question', async () => {
    const result = await new OfflineBackend().complete({ model: 'm', messages: [{ role: 'user', content: 'What is 2+2?' }], tools: [weatherTool] }, { signal });
    expect(result.toolCalls).toEqual([]);
    expect(result.content).toBe('Offline answer to: What is 2+2?');
  });
});
