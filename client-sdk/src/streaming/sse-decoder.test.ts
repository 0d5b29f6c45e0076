import { describe, expect, it } from 'vitest';
import { SseDecoder, type ServerSentEvent } from './sse-decoder.js';

const stream = 'event: run.started\ndata: {"a":1}\nid: 1\n\n: ping\n\nevent: run.delta\r\ndata: héllo\r\ndata: wörld\r\nid: 2\r\n\r\ndata: plain\n\n';
const expected: Array<Partial<ServerSentEvent>> = [
  { event: 'run.started', data: '{"a":1}', id: '1' },
  { event: 'run.delta', data: 'héllo\nwörld', id: '2' },
  { event: 'message', data: 'plain', id: undefined },
];

function decodeInChunks(bytes: Uint8Array, size: number): ServerSentEvent[] {
  const decoder = new SseDecoder();
  const events: ServerSentEvent[] = [];
  for (let i = 0; i < bytes.length; i += size) events.push(...decoder.push(bytes.subarray(i, i + size)));
  events.push(...decoder.end());
  return events;
}

describe('SseDecoder', () => {
  it('decodes the same events at every chunk size, splitting CRLF and multi-byte characters', () => {
    const bytes = new TextEncoder().encode(stream);
    for (let size = 1; size <= bytes.length; size += 1) {
      const events = decodeInChunks(bytes, size);
      expect(events.map(({ event, data, id }) => ({ event, data, id }))).toEqual(expected);
    }
  });

  it('remembers the last event id for resumption', () => {
    const decoder = new SseDecoder();
    decoder.push('id: 7\ndata: x\n\n');
    decoder.push(': heartbeat\n\n');
    expect(decoder.lastEventId).toBe('7');
  });

  it('drops an event whose blank line never came', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('data: half')).toEqual([]);
    expect(decoder.end()).toEqual([]);
  });

  it('reads retry and ignores unknown fields and comments', () => {
    const events = new SseDecoder().push('retry: 3000\nfoo: bar\n: note\ndata: x\n\n');
    expect(events).toEqual([{ event: 'message', data: 'x', id: undefined, retry: 3000 }]);
  });
});
