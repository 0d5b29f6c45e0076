/**
 * @module
 * DNS-rebinding guard: a page in a browser can resolve any name to 127.0.0.1,
 * but it cannot forge the Host header. On a loopback bind only loopback names
 * (and `--allowed-hosts`) are accepted, except on the probes `/healthz`
 * and `/readyz`, which answer any Host.
 */
import { SidecarError } from '../errors.js';
import { PROBE_PATHS, rawPath } from './auth.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Throws 403 `forbidden_host` unless `host` names an allowed host; `url`
 * (absolute or as on the request line) lets the probes through. Independent
 * of Hono, so the invoke fast path runs the very same check.
 */
export function hostGuard(allowedHosts: readonly string[]): (host: string | undefined, url: string) => void {
  const allowed = new Set([...LOOPBACK_NAMES, ...allowedHosts.map((host) => host.toLowerCase())]);
  // A client sends the same Host on every request: remember the last one
  // accepted rather than lower-casing and trimming it each time.
  let lastAccepted: string | undefined;
  return function checkHost(host, url) {
    if (host === undefined || host === lastAccepted) return;
    const name = host.toLowerCase().replace(/:\d+$/, '');
    if (!allowed.has(name)) {
      // Kubernetes probes send the pod IP as Host, and the probes tell a
      // rebinding page nothing; exactly these paths, as for the token.
      if (PROBE_PATHS.has(rawPath(url))) return;
      throw new SidecarError('forbidden_host', `Host "${host}" is not allowed; add it to --allowed-hosts if it is yours`);
    }
    lastAccepted = host;
  };
}
