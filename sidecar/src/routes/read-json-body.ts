/**
 * @module
 * Reads a JSON request body with the sidecar's limits: content type (415),
 * size (413, checked on `Content-Length` first and again while streaming, so
 * a chunked body cannot slip past), and syntax (400 `invalid_json`).
 */
import type { Context } from 'hono';
import { SidecarError } from '../errors.js';
import type { SidecarEnv } from '../app-env.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export async function readJsonBody(c: Context<SidecarEnv>, maxBytes: number): Promise<unknown> {
  const type = c.req.header('content-type');
  if (type === undefined || !JSON_TYPE.test(type)) {
    throw new SidecarError('unsupported_media_type', `send Content-Type: application/json (got ${type ?? 'none'})`);
  }
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxBytes) {
    c.header('connection', 'close');
    throw new SidecarError('body_too_large', `the body is ${declared} bytes; this sidecar takes at most ${maxBytes}`);
  }
  const text = await readText(c, maxBytes);
  if (text.length === 0) throw new SidecarError('invalid_json', 'the request body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SidecarError('invalid_json', `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

async function readText(c: Context<SidecarEnv>, maxBytes: number): Promise<string> {
  const incoming = c.env?.incoming;
  const chunks: Buffer[] = [];
  let size = 0;
  const tooLarge = () => {
    c.header('connection', 'close');
    return new SidecarError('body_too_large', `the body exceeds ${maxBytes} bytes`);
  };
  if (incoming && !incoming.readableEnded && incoming.readable) {
    // Reading the node stream directly skips the web-stream adapter on the hot path.
    for await (const chunk of incoming as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  }
  const body = c.req.raw.body;
  if (!body) return '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
