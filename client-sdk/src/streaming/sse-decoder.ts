/**
 * @module
 * A pure Server-Sent Events decoder (WHATWG event-stream format): bytes in,
 * events out, correct at any chunk boundary, including one that splits a
 * multi-byte character or a CRLF.
 */
export interface ServerSentEvent {
  /** `event:` field; `message` when absent. */
  event: string;
  /** `data:` lines joined with `\n`. */
  data: string;
  /** `id:` field of this event, if it had one. */
  id: string | undefined;
  /** `retry:` in milliseconds, if sent. */
  retry: number | undefined;
}

export class SseDecoder {
  private readonly text = new TextDecoder('utf-8');
  private buffer = '';
  private pendingCr = false;
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private retry: number | undefined;
  /** The last `id:` seen on the stream, to resume with `Last-Event-ID`. */
  lastEventId: string | undefined;

  /** Decodes a chunk; returns the events it completed. */
  push(chunk: Uint8Array | string): ServerSentEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.text.decode(chunk, { stream: true });
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: ServerSentEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i += 1) {
      const char = this.buffer.charCodeAt(i);
      if (char !== 10 && char !== 13) continue;
      const line = this.buffer.slice(start, i);
      if (char === 13) {
        if (i + 1 < this.buffer.length) {
          if (this.buffer.charCodeAt(i + 1) === 10) i += 1;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
      const event = this.line(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** Flushes at end of stream; an event without its blank line is dropped, as the spec says. */
  end(): ServerSentEvent[] {
    const rest = this.text.decode();
    return rest ? this.push(rest) : [];
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.id = value;
          this.lastEventId = value;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const hadData = this.data.length > 0;
    const event: ServerSentEvent = { event: this.event || 'message', data: this.data.join('\n'), id: this.id, retry: this.retry };
    this.data = [];
    this.event = '';
    this.id = undefined;
    this.retry = undefined;
    // An event without data is not dispatched (its id still counts for resumption).
    return hadData ? event : undefined;
  }
}
