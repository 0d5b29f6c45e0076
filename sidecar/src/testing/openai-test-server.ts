/**
 * @module
 * An OpenAI-compatible chat completions server for tests, benchmarks and
 * examples: a real node:http server on 127.0.0.1 that speaks the wire format
 * the `openai` SDK expects — JSON completions, SSE chunks ending in
 * `data: [DONE]`, streamed tool-call deltas, usage, error bodies, 429 with
 * Retry-After — with scripted answers, latency, a first-token delay, and a
 * record of every request and every client that hung up early.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sleep } from '@squire/client/internal';

export type ScriptedReply =
  | {
      kind: 'text';
      content: string;
      chunks?: number;
      /** Streams `afterChunks` chunks, then waits for `until` before the rest: a stream caught mid-answer. */
      pause?: { afterChunks: number; until: Promise<unknown> };
    }
  /** With `content`, that text streams first (in `chunks` pieces), as a model that talks before it calls. */
  | { kind: 'tool_calls'; calls: Array<{ name: string; arguments: unknown; id?: string }>; content?: string; chunks?: number }
  /** `retryAfter` is sent as `Retry-After` (seconds), `retryAfterMs` as `retry-after-ms` (as OpenAI does). */
  | { kind: 'error'; status: number; message?: string; retryAfter?: number; retryAfterMs?: number }
  /** Waits this long, then answers with `then` (or never answers). */
  | { kind: 'hang'; ms?: number; then?: ScriptedReply };

export interface RecordedChatRequest {
  body: Record<string, unknown> & { messages: Array<Record<string, unknown>>; stream?: boolean; model?: string };
  headers: IncomingMessage['headers'];
  receivedAt: number;
}

export interface OpenAiTestServerOptions {
  /** Milliseconds before the answer (or the first chunk when streaming). @default 0 */
  firstTokenDelayMs?: number;
  /** Milliseconds between stream chunks. @default 0 */
  chunkDelayMs?: number;
  /** The answer when the script is empty: an echo of the last user message. */
  fallback?: ScriptedReply;
}

export interface OpenAiTestServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** What `OPENAI_BASE_URL` should be: `url + '/v1'`. */
  baseURL: string;
  requests: RecordedChatRequest[];
  /** Requests whose client closed the connection before the answer was complete. */
  disconnects: number;
  /** When (epoch ms) each of those closes was seen, in order. */
  disconnectedAt: number[];
  /** Chat requests received (each one a model call that someone pays for). */
  calls: number;
  /** TCP connections accepted and closed so far. */
  connections: { opened: number; closed: number };
  /** Queues replies for the next requests, in order. */
  script(...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

export async function startOpenAiTestServer(options: OpenAiTestServerOptions = {}): Promise<OpenAiTestServer> {
  const queue: ScriptedReply[] = [];
  const requests: RecordedChatRequest[] = [];
  const sockets = new Set<Socket>();
  const state = { disconnects: 0 };
  const disconnectedAt: number[] = [];
  const connections = { opened: 0, closed: 0 };
  let sequence = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        return sendError(res, 404, `no route ${req.method} ${req.url}`);
      }
      let body: RecordedChatRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RecordedChatRequest['body'];
      } catch {
        return sendError(res, 400, 'body is not JSON');
      }
      requests.push({ body, headers: req.headers, receivedAt: Date.now() });
      let finished = false;
      res.on('finish', () => (finished = true));
      res.on('close', () => {
        if (finished) return;
        state.disconnects += 1;
        disconnectedAt.push(Date.now());
      });
      const reply = queue.shift() ?? options.fallback ?? { kind: 'text', content: `echo: ${lastUserMessage(body.messages)}` };
      sequence += 1;
      void answer(reply, body, res, `chatcmpl-test-${sequence}`, options);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    connections.opened += 1;
    socket.on('close', () => {
      sockets.delete(socket);
      connections.closed += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    get disconnects() {
      return state.disconnects;
    },
    disconnectedAt,
    get calls() {
      return requests.length;
    },
    connections,
    script: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function answer(reply: ScriptedReply, body: RecordedChatRequest['body'], res: ServerResponse, id: string, options: OpenAiTestServerOptions): Promise<void> {
  if (reply.kind === 'hang') {
    if (reply.ms === undefined) return;
    await sleep(reply.ms);
    if (res.destroyed) return;
    if (reply.then) return answer(reply.then, body, res, id, options);
    return;
  }
  await sleep(options.firstTokenDelayMs ?? 0);
  if (res.destroyed) return;
  if (reply.kind === 'error') {
    const headers: Record<string, string> = {
      ...(reply.retryAfter !== undefined && { 'retry-after': String(reply.retryAfter) }),
      ...(reply.retryAfterMs !== undefined && { 'retry-after-ms': String(reply.retryAfterMs) }),
    };
    return sendError(res, reply.status, reply.message ?? `scripted error ${reply.status}`, headers);
  }
  const model = String(body.model ?? 'test-model');
  const created = Math.floor(Date.now() / 1000);
  const promptTokens = Math.ceil(JSON.stringify(body.messages).length / 4);
  const toolCalls =
    reply.kind === 'tool_calls'
      ? reply.calls.map((call, index) => ({ id: call.id ?? `call_${id}_${index}`, type: 'function' as const, function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) } }))
      : [];
  const content = reply.kind === 'text' ? reply.content : (reply.content ?? null);
  const completionTokens = Math.ceil(((content ?? '') + JSON.stringify(toolCalls)).length / 4);
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  const finishReason = toolCalls.length > 0 ? 'tool_calls' : 'stop';

  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content, ...(toolCalls.length > 0 && { tool_calls: toolCalls }), refusal: null }, finish_reason: finishReason, logprobs: null }],
      usage,
    }));
    return;
  }

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...extra })}\n\n`);
  send({ role: 'assistant', content: '' });
  if (content !== null) {
    const pieces = split(content, reply.chunks ?? 4);
    const pause = reply.kind === 'text' ? reply.pause : undefined;
    for (const [index, piece] of pieces.entries()) {
      if (pause && index === pause.afterChunks) await pause.until;
      if (options.chunkDelayMs) await sleep(options.chunkDelayMs);
      if (res.destroyed) return;
      send({ content: piece });
    }
  }
  toolCalls.forEach((call, index) => {
    // As OpenAI does: the first delta names the call, the arguments follow in pieces.
    send({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
    for (const piece of split(call.function.arguments, 3)) send({ tool_calls: [{ index, function: { arguments: piece } }] });
  });
  send({}, finishReason);
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
  if (includeUsage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', param: null, code: status === 429 ? 'rate_limit_exceeded' : null } }));
}

function split(text: string, parts: number): string[] {
  if (text.length === 0) return [''];
  const size = Math.max(1, Math.ceil(text.length / parts));
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function lastUserMessage(messages: Array<Record<string, unknown>>): string {
  for (let i = messages.length - 1; i >= 0; i -= 1) if (messages[i]!.role === 'user') return String(messages[i]!.content ?? '');
  return '';
}

