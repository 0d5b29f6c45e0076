/**
 * Small raw HTTP helpers for black-box tests: paths are sent exactly as
 * given (no normalisation), bodies are read whole, JSON is parsed when the
 * response says it is JSON.
 */
import { Client, getGlobalDispatcher, type Dispatcher } from 'undici';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RawRequest {
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** Unix socket to talk to instead of TCP. */
  socketPath?: string | undefined;
}

export async function http(baseUrl: string, path: string, options: RawRequest = {}): Promise<RawResponse> {
  const client = options.socketPath ? new Client('http://localhost', { socketPath: options.socketPath }) : undefined;
  try {
    // Dispatcher.request sends `path` untouched, where request(url) would normalise it.
    const response = await (client ?? getGlobalDispatcher()).request({
      origin: new URL(baseUrl).origin,
      path,
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      body: options.body ?? null,
      signal: options.signal ?? null,
    });
    const text = await response.body.text();
    const type = String(response.headers['content-type'] ?? '');
    return {
      status: response.statusCode,
      headers: response.headers,
      text,
      json: type.includes('json') && text.length > 0 ? JSON.parse(text) : undefined,
    };
  } finally {
    await client?.close();
  }
}

export function invoke(baseUrl: string, input: unknown, options: RawRequest = {}): Promise<RawResponse> {
  return http(baseUrl, '/v1/invoke', {
    method: 'POST',
    ...options,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify({ input }),
  });
}

/** Reads a Prometheus sample, e.g. `squire_runs_total{status="cancelled"}`, summing label sets that match. */
export function metricValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}
