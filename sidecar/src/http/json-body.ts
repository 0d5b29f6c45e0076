/**
 * @module
 * Reads a JSON request body with the sidecar's limits: content type and
 * encoding (415: a compressed body would otherwise be parsed as garbage),
 * size (413, checked on `Content-Length` first and again while streaming, so
 * a chunked body cannot slip past; the connection then closes rather than
 * reading the rest), nesting (400 `body_too_deep`, checked without recursion
 * before parsing) and syntax (400 `invalid_json`).
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { SidecarError } from '../errors.js';
import type { SidecarEnv } from '../app-env.js';
import { requestHeader, setResponseHeader } from './headers.js';
import { DEFAULT_MAX_BODY_DEPTH, exceedsJsonDepth } from './json-depth.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Where a JSON body comes from: Node's request when there is one, else the web request's body (tests' `app.request()`). */
export interface JsonBodySource {
  contentType: string | undefined;
  contentEncoding: string | undefined;
  contentLength: string | undefined;
  incoming?: IncomingMessage | undefined;
  webBody?: ReadableStream<Uint8Array> | null | undefined;
  /** Asks for `Connection: close` on the answer: the rest of a too-large body is never read. */
  closeConnection(): void;
}

export function readJsonBody(c: Context<SidecarEnv>, maxBytes: number, maxDepth = DEFAULT_MAX_BODY_DEPTH): Promise<unknown> {
  return readJson(
    {
      contentType: requestHeader(c, 'content-type'),
      contentEncoding: requestHeader(c, 'content-encoding'),
      contentLength: requestHeader(c, 'content-length'),
      incoming: c.env?.incoming,
      get webBody() {
        return c.req.raw.body;
      },
      closeConnection: () => setResponseHeader(c, 'connection', 'close'),
    },
    maxBytes,
    maxDepth,
  );
}

/** Reads and parses a JSON body within the limits; every refusal is a `SidecarError`. */
export async function readJson(source: JsonBodySource, maxBytes: number, maxDepth = DEFAULT_MAX_BODY_DEPTH): Promise<unknown> {
  const type = source.contentType;
  if (type === undefined || !isJsonType(type)) {
    throw new SidecarError('unsupported_media_type', `send Content-Type: application/json (got ${type ?? 'none'})`);
  }
  const encoding = source.contentEncoding;
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new SidecarError('unsupported_media_type', `send the body uncompressed (got Content-Encoding: ${encoding})`);
  }
  const declared = source.contentLength;
  if (declared !== undefined && Number(declared) > maxBytes) {
    source.closeConnection();
    throw new SidecarError('body_too_large', `the body is ${declared} bytes; this sidecar takes at most ${maxBytes}`);
  }
  const text = await readText(source, maxBytes);
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

/** Whether a Content-Type names JSON (`application/json`, `application/*+json`, with parameters). */
export function isJsonType(contentType: string): boolean {
  return JSON_TYPE.test(contentType);
}

async function readText(source: JsonBodySource, maxBytes: number): Promise<string> {
  const { incoming } = source;
  const chunks: Buffer[] = [];
  let size = 0;
  const tooLarge = () => {
    source.closeConnection();
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
  const body = source.webBody;
  if (!body) return '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
