/**
 * @module
 * DNS-rebinding guard: a page in a browser can resolve any name to 127.0.0.1,
 * but it cannot forge the Host header. On a loopback bind only loopback names
 * (and `--allowed-hosts`) are accepted.
 */
import type { MiddlewareHandler } from 'hono';
import { SidecarError } from '../errors.js';
import { requestHeader } from './request-header.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function hostCheck(allowedHosts: readonly string[]): MiddlewareHandler {
  const allowed = new Set([...LOOPBACK_NAMES, ...allowedHosts.map((host) => host.toLowerCase())]);
  return async function hostCheckMiddleware(c, next) {
    const host = requestHeader(c, 'host');
    if (host !== undefined) {
      const name = host.toLowerCase().replace(/:\d+$/, '');
      if (!allowed.has(name)) {
        throw new SidecarError('forbidden_host', `Host "${host}" is not allowed; add it to --allowed-hosts if it is yours`);
      }
    }
    await next();
  };
}
