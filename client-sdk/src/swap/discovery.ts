/**
 * @module
 * Where the replicas of a sidecar come from at run time: a JSON file that is
 * watched, or DNS names re-resolved on an interval (A/AAAA of a Kubernetes
 * headless Service, or SRV records as Consul serves them).
 */
import { readFileSync, watch } from 'node:fs';
import { promises as dns } from 'node:dns';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { EndpointSpec } from '../options.js';

const EndpointsFileSchema = z.record(z.string(), z.array(z.union([z.string(), z.object({ url: z.string(), weight: z.number().min(0).optional() })])));

export type EndpointsFile = z.infer<typeof EndpointsFileSchema>;

/**
 * Reads `{ "<sidecar>": ["http://…", { "url": "…", "weight": 2 }] }` now and
 * on every change; a file that does not parse is logged and ignored (the
 * last good endpoints stay).
 */
export function watchEndpointsFile(path: string, apply: (name: string, endpoints: EndpointSpec[]) => void, logger?: Logger): () => void {
  const load = () => {
    let parsed: EndpointsFile;
    try {
      parsed = EndpointsFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    } catch (error) {
      logger?.warn({ path, err: error }, 'squire: endpoints file ignored (not valid); keeping the last endpoints');
      return;
    }
    for (const [name, list] of Object.entries(parsed)) {
      apply(name, list.map((item) => (typeof item === 'string' ? { url: item, weight: 1 } : { url: item.url, weight: item.weight ?? 1 })));
    }
  };
  load();
  let timer: NodeJS.Timeout | undefined;
  // Editors write files in several steps; settle before reading.
  const watcher = watch(path, () => {
    clearTimeout(timer);
    timer = setTimeout(load, 50);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

export interface DnsDiscoveryOptions {
  /** A name with A/AAAA records (e.g. a headless Service), or an SRV name with `srv: true`. */
  hostname: string;
  /** Port for A/AAAA answers (SRV answers carry their own). */
  port?: number;
  srv?: boolean;
  /** @default 'http' */
  protocol?: 'http' | 'https';
  /** Milliseconds between resolutions. @default 5000 */
  intervalMs?: number;
  /** Replaces the system resolver (tests, custom DNS clients). */
  resolve?: (hostname: string) => Promise<Array<{ host: string; port?: number; weight?: number }>>;
}

export function discoverByDns(options: DnsDiscoveryOptions, apply: (endpoints: EndpointSpec[]) => void, logger?: Logger): () => void {
  type Answer = { host: string; port?: number; weight?: number };
  const resolve: (hostname: string) => Promise<Answer[]> =
    options.resolve ??
    (options.srv
      ? async (hostname: string) => (await dns.resolveSrv(hostname)).map((record) => ({ host: record.name, port: record.port, weight: Math.max(record.weight, 1) }))
      : async (hostname: string) => (await dns.lookup(hostname, { all: true })).map((record) => ({ host: record.address })));
  let last = '';
  let stopped = false;
  const tick = async () => {
    try {
      const answers = await resolve(options.hostname);
      if (stopped) return;
      const endpoints = answers
        .map((answer) => {
          const host = answer.host.includes(':') ? `[${answer.host}]` : answer.host;
          return { url: `${options.protocol ?? 'http'}://${host}:${answer.port ?? options.port ?? 80}`, weight: answer.weight ?? 1 };
        })
        .sort((a, b) => a.url.localeCompare(b.url));
      const key = JSON.stringify(endpoints);
      if (endpoints.length > 0 && key !== last) {
        last = key;
        apply(endpoints);
      }
    } catch (error) {
      // A failed lookup keeps the last answer rather than dropping every replica.
      logger?.warn({ hostname: options.hostname, err: error }, 'squire: DNS discovery failed; keeping the last endpoints');
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), options.intervalMs ?? 5000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
