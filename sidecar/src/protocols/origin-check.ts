/**
 * @module
 * `Origin` validation for the protocol endpoints (MCP requires it against
 * DNS rebinding; the others get it too, since any of them runs the agent).
 * A browser always sends `Origin` on a cross-site POST and cannot forge it;
 * non-browser clients usually send none, which passes. An origin passes
 * when its host is the request's own `Host`, a loopback name, or one of
 * `--allowed-hosts`.
 */
import type { Context } from 'hono';
import { SidecarError } from '../errors.js';
import { requestHeader } from '../http/headers.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function originCheck(allowedHosts: readonly string[]): (c: Context) => void {
  const allowed = new Set([...LOOPBACK, ...allowedHosts.map((host) => host.toLowerCase())]);
  return function checkOrigin(c) {
    const origin = requestHeader(c, 'origin');
    if (origin === undefined) return;
    let host: string;
    try {
      const url = new URL(origin);
      host = url.hostname.toLowerCase();
      if (url.host.toLowerCase() === requestHeader(c, 'host')?.toLowerCase()) return;
    } catch {
      throw new SidecarError('forbidden_host', `Origin "${origin}" is not a valid origin`);
    }
    if (!allowed.has(host)) throw new SidecarError('forbidden_host', `Origin "${origin}" is not allowed; add its host to --allowed-hosts if it is yours`);
  };
}
