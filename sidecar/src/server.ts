/**
 * @module
 * Puts the Hono app on a node:http server with the limits Node does not set
 * by default: header and request timeouts checked every second (the default
 * check interval is 30 s), a keep-alive timeout longer than any client's idle
 * timeout (so the client, not the server, closes idle sockets and no request
 * races a server-side close), and unix sockets created with mode 0600.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { sleep } from '@squire/client/internal';
import type { FastPath } from './http/invoke-fast-path.js';

export interface ListenOptions {
  host: string;
  port: number;
  socket?: string | undefined;
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxHeaderBytes?: number;
  /** Tried before the app on every request; answers it and returns true, or leaves it to the app. */
  fastPath?: FastPath | undefined;
}

export interface Listening {
  server: Server;
  /** `http://host:port` or `unix:/path`. */
  address: string;
  /** HTTP requests whose response has not finished (or been cut off) yet. */
  readonly activeRequests: number;
  /** Resolves true once no request is active, false if `timeoutMs` passes first. */
  waitForRequests(timeoutMs: number): Promise<boolean>;
  /** Stops listening and closes every connection, idle or not. */
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function listen(app: Hono<any>, options: ListenOptions): Promise<Listening> {
  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
      maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024,
      keepAlive: true,
    },
    withFastPath(options.fastPath, getRequestListener(app.fetch)),
  );
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  // Drain waits for responses to be written, not only for runs to end: a run
  // aborted at the end of the grace period still owes its caller a 503.
  let active = 0;
  server.on('request', (_req, res) => {
    active += 1;
    res.once('close', () => {
      active -= 1;
    });
  });
  // A client socket error (reset mid-request, malformed request line) must
  // not take the process down; Node answers 400 and closes.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error.code));
  });

  // Node closes a CONNECT's connection without a word unless someone answers it.
  server.on('connect', (_req, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(rawProblem(405, 'Method Not Allowed', 'method_not_allowed', 'CONNECT is not supported: the sidecar is not a proxy', { Allow: 'GET, POST, DELETE' }));
  });

  if (options.socket) {
    await removeStaleSocket(options.socket);
    const previous = process.umask(0o177);
    try {
      await listenOn(server, () => server.listen(options.socket));
    } finally {
      process.umask(previous);
    }
    chmodSync(options.socket, 0o600);
  } else {
    await listenOn(server, () => server.listen(options.port, options.host));
  }
  return {
    server,
    address: options.socket ? `unix:${options.socket}` : formatAddress(server.address() as AddressInfo),
    get activeRequests() {
      return active;
    },
    async waitForRequests(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (active > 0 && Date.now() < until) await sleep(10);
      return active === 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

function withFastPath(fastPath: FastPath | undefined, app: RequestListener): RequestListener {
  if (!fastPath) return app;
  return (req, res) => (fastPath(req, res) ? undefined : app(req, res));
}

function listenOn(server: Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
    start();
  });
}

function formatAddress(info: AddressInfo): string {
  const host = info.family === 'IPv6' || info.address.includes(':') ? `[${info.address}]` : info.address;
  return `http://${host}:${info.port}`;
}

/** A socket file left by a killed process blocks listen(); remove it only if nobody answers on it. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`${path} is in use by a running process`);
  unlinkSync(path);
}

/** The raw answer to a request Node could not parse, as problem+json like every other error. */
function clientErrorResponse(code: string | undefined): string {
  const [status, reason, problemCode, detail] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'invalid_request', 'the request headers exceed 16 KiB']
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'invalid_request', 'the request was not received in time']
        : [400, 'Bad Request', 'invalid_request', 'the request could not be parsed as HTTP/1.1'];
  return rawProblem(status, reason, problemCode, detail);
}

/** A whole HTTP/1.1 problem+json response, for sockets Hono never sees. */
function rawProblem(status: number, reason: string, code: string, detail: string, headers: Record<string, string> = {}): string {
  const body = JSON.stringify({ type: 'about:blank', status, title: reason, detail, code, retryable: false });
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`;
}
