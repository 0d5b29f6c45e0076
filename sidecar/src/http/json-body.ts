/**
 * @module
 * Reads a JSON request body with the sidecar's limits: content type and
 * encoding (415: a compressed body would otherwise be parsed as garbage),
 * size (413, checked on `Content-Length` first and again while streaming, so
 * a chunked body cannot slip past; the connection then closes rather than
 * reading the rest), nesting (400 `body_too_deep`, checked without recursion
 * before parsing) and syntax (400 `invalid_json`).
 */
import type { Context } from 'hono';
import { SidecarError } from '../errors.js';
import type { SidecarEnv } from '../app-env.js';
import { requestHeader, setResponseHeader } from './headers.js';
import { DEFAULT_MAX_BODY_DEPTH, exceedsJsonDepth } from './json-depth.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export async function readJsonBody(c: Context<SidecarEnv>, maxBytes: number, maxDepth = DEFAULT_MAX_BODY_DEPTH): Promise<unknown> {
  const type = requestHeader(c, 'content-type');
  if (type === undefined || !JSON_TYPE.test(type)) {
    throw new SidecarError('unsupported_media_type', `send Content-Type: application/json (got ${type ?? 'none'})`);
  }
  const encoding = requestHeader(c, 'content-encoding');
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new SidecarError('unsupported_media_type', `send the body uncompressed (got Content-Encoding: ${encoding})`);
  }
  const declared = requestHeader(c, 'content-length');
  if (declared !== undefined && Number(declared) > maxBytes) {
    setResponseHeader(c, 'connection', 'close');
    throw new SidecarError('body_too_large', `the body is ${declared} bytes; this sidecar takes at most ${maxBytes}`);
  }
  const text = await readText(c, maxBytes);
  if (text.length === 0) throw new SidecarError('invalid_json', 'the request body is empty');
  if (exceedsJsonDepth(text, maxDepth)) {
    throw new SidecarError('body_too_deep', `the body nests objects and arrays more than ${maxDepth} levels deep (--max-body-depth)`);
  }
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
    setResponseHeader(c, 'connection', 'close');
    return new SidecarError('body_too_large', `the body exceeds ${maxBytes} bytes`);
  };
  if (incoming && !incoming.readableEnded && incoming.readable) {
    // Plain stream events, not `for await`: the async iterator allocates a
    // promise per chunk and a stream helper per request on the hot path.
    return new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          cleanup();
          incoming.resume();
          reject(tooLarge());
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        cleanup();
        resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new SidecarError('invalid_request', `the request body could not be read: ${error.message}`));
      };
      const cleanup = () => {
        incoming.off('data', onData);
        incoming.off('end', onEnd);
        incoming.off('error', onError);
      };
      incoming.on('data', onData);
      incoming.on('end', onEnd);
      incoming.on('error', onError);
    });
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
