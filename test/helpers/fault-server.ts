/**
 * Small node:http servers that misbehave on purpose, on 127.0.0.1 port 0:
 * each answer is scripted (sidecar-like JSON, problem+json with Retry-After,
 * connection reset, black hole), and every request's headers are recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultAction =
  | { kind: 'ok'; output?: unknown; delayMs?: number }
  | { kind: 'problem'; status: number; code: string; retryable: boolean; retryAfter?: number; delayMs?: number }
  /** Any JSON answer (e.g. a run record). */
  | { kind: 'json'; status?: number; body: unknown }
  | { kind: 'reset' }
  | { kind: 'blackhole' }
  | { kind: 'html'; status: number };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export interface FaultServer {
  url: string;
  requests: RecordedRequest[];
  /** Actions for the next requests, in order; `fallback` answers once they run out. */
  script(...actions: FaultAction[]): void;
  fallback: FaultAction;
  close(): Promise<void>;
}

export async function startFaultServer(fallback: FaultAction = { kind: 'ok' }): Promise<FaultServer> {
  const queue: FaultAction[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const state = { fallback };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now() });
      respond(queue.shift() ?? state.fallback, req, res, body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...actions) => queue.push(...actions),
    get fallback() {
      return state.fallback;
    },
    set fallback(action: FaultAction) {
      state.fallback = action;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function respond(action: FaultAction, req: IncomingMessage, res: ServerResponse, body: string): void {
  switch (action.kind) {
    case 'ok': {
      const send = () => {
        let input: unknown = null;
        try {
          input = (JSON.parse(body) as { input?: unknown }).input;
        } catch {
          // GET requests have no body
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          run_id: 'run_fault',
          status: 'succeeded',
          output: action.output ?? input,
          usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0, llm_calls: 0 },
          timing: { queued_ms: 0, run_ms: 0, total_ms: 0 },
        }));
      };
      if (action.delayMs) setTimeout(send, action.delayMs);
      else send();
      return;
    }
    case 'problem': {
      const send = () => {
        res.writeHead(action.status, {
          'content-type': 'application/problem+json',
          ...(action.retryAfter !== undefined && { 'retry-after': String(action.retryAfter) }),
        });
        res.end(JSON.stringify({ type: 'about:blank', status: action.status, title: action.code, code: action.code, retryable: action.retryable }));
      };
      if (action.delayMs) setTimeout(send, action.delayMs);
      else send();
      return;
    }
    case 'json':
      res.writeHead(action.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(action.body));
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case 'blackhole':
      return; // never answer
    case 'html':
      res.writeHead(action.status, { 'content-type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
      return;
  }
}
