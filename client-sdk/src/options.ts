/**
 * @module
 * Client options: one documented type, defaults in one constant, validated
 * once at construction. Per-call options override per-sidecar options, which
 * override client options, which override `DEFAULT_CLIENT_OPTIONS`.
 */
import semver from 'semver';
import { z } from 'zod';
import { SquireConfigError } from './errors.js';
import type { Logger } from './logger.js';
import type { SessionBusyPolicy } from './contract/invoke.js';

/** Policies every sidecar gets unless its own entry overrides them. */
export interface SidecarPolicyOptions {
  /**
   * Overall budget of one call, retries and backoff included, in milliseconds.
   * Sent to the sidecar as `Squire-Timeout-Ms` (what is left of it).
   * @default 30000
   */
  timeoutMs: number;
  /** Time to open a TCP or unix connection, in milliseconds (inside `timeoutMs`). @default 2000 */
  connectTimeoutMs: number;
  /** Retries after the first attempt. @default 2 */
  maxRetries: number;
  /** First backoff before full jitter, in milliseconds. @default 100 */
  backoffBaseMs: number;
  /** Upper bound of one backoff, in milliseconds. @default 2000 */
  backoffMaxMs: number;
  /** Largest `Retry-After` honoured, in milliseconds; longer ones fail the call instead. @default 5000 */
  maxRetryAfterMs: number;
  /**
   * Least budget worth starting a retry with, in milliseconds, while the
   * endpoint has no latency history; once it has, the median of its recent
   * successful attempts is the minimum instead. A retry that would start
   * with less fails the call with `deadline_exceeded` (cause: the last
   * failure) rather than run a hopeless attempt. @default 100
   */
  minAttemptMs: number;
  /** Share of calls that may be retries over `retryBudgetWindowMs` (0–1). @default 0.2 */
  retryBudgetRatio: number;
  /** Retries always allowed per second, whatever the ratio (so a quiet client can still retry). @default 3 */
  retryBudgetMinPerSecond: number;
  /** Window of the retry budget, in milliseconds. @default 10000 */
  retryBudgetWindowMs: number;
  /**
   * Calls in flight to one endpoint before new ones wait or fail fast
   * (bulkhead). Keep it ≤ `connections`: see there. @default 64
   */
  maxInFlight: number;
  /** Calls allowed to wait for an in-flight place; past it they fail with `client_overloaded`. @default 0 */
  maxQueued: number;
  /** Consecutive failures that open the circuit breaker. @default 5 */
  breakerFailureThreshold: number;
  /** How long the breaker stays open before one probe call, in milliseconds. @default 5000 */
  breakerCooldownMs: number;
  /**
   * Keep-alive connections per endpoint; opened as needed, closed after
   * `keepAliveTimeoutMs` idle. Defaults to `maxInFlight`, so every call the
   * bulkhead admits is on the wire at once: a call that waited inside the
   * pool for a connection would reach a draining sidecar only after its
   * SIGTERM and fail with nowhere else to go. @default maxInFlight (64)
   */
  connections: number;
  /**
   * Idle time after which the client closes a pooled connection, in
   * milliseconds. Kept well under the sidecar's 65 s server keep-alive so
   * the client, never the server, closes idle sockets (no request races a
   * server-side close). @default 4000
   */
  keepAliveTimeoutMs: number;
  /** Bearer token. */
  token?: string | undefined;
  /** Extra headers on every request. */
  headers?: Record<string, string> | undefined;
}

/** One replica and its share of the traffic. */
export interface EndpointSpec {
  url: string;
  /** Relative weight; 0 keeps it configured but out of rotation. @default 1 */
  weight: number;
}

export interface SidecarEntry extends Partial<SidecarPolicyOptions> {
  /** `http://host:port`, `https://…` or `unix:/path/to.sock`. Either this or `endpoints`. */
  url?: string;
  /** Several replicas of the agent, balanced by weighted power-of-two-choices. */
  endpoints?: Array<string | { url: string; weight?: number }>;
  /** A semver range the agent's version must satisfy; other replicas get no traffic. */
  versionRange?: string;
  /** Milliseconds between active `/readyz` checks of every replica; 0 turns them off. @default 0 */
  healthCheckIntervalMs?: number;
  /** Mirrors a share of calls to another endpoint off the caller's path and compares the answers. */
  shadow?: { url: string; percent: number };
}

export interface ClientOptions extends Partial<SidecarPolicyOptions> {
  /** Sidecars by name: an endpoint string or an entry with per-sidecar options. */
  sidecars: Record<string, string | SidecarEntry>;
  /** Where the client logs retries and breaker changes; pino fits. Silent when absent. */
  logger?: Logger | undefined;
}

/** Options of one call. */
export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  maxRetries?: number;
  /**
   * Sent on every attempt; generated once per call when absent. `false`
   * sends none, and then the call is retried only where the request cannot
   * have reached the agent (connection refused).
   */
  idempotencyKey?: string | false;
  headers?: Record<string, string>;
  metadata?: Record<string, string>;
  sessionId?: string;
  /** What the run does when `sessionId` is busy with another run; the agent's own policy when absent. */
  onBusy?: SessionBusyPolicy;
  /** W3C trace context to propagate. */
  traceparent?: string;
}

export const DEFAULT_CLIENT_OPTIONS: Readonly<SidecarPolicyOptions> = Object.freeze({
  timeoutMs: 30_000,
  connectTimeoutMs: 2_000,
  maxRetries: 2,
  backoffBaseMs: 100,
  backoffMaxMs: 2_000,
  maxRetryAfterMs: 5_000,
  minAttemptMs: 100,
  retryBudgetRatio: 0.2,
  retryBudgetMinPerSecond: 3,
  retryBudgetWindowMs: 10_000,
  maxInFlight: 64,
  maxQueued: 0,
  breakerFailureThreshold: 5,
  breakerCooldownMs: 5_000,
  connections: 64,
  keepAliveTimeoutMs: 4_000,
});

const ms = z.number().int().nonnegative();
const PolicySchema = z.strictObject({
  timeoutMs: z.number().int().positive().optional(),
  connectTimeoutMs: z.number().int().positive().optional(),
  maxRetries: z.number().int().min(0).max(20).optional(),
  backoffBaseMs: ms.optional(),
  backoffMaxMs: ms.optional(),
  maxRetryAfterMs: ms.optional(),
  minAttemptMs: ms.optional(),
  retryBudgetRatio: z.number().min(0).max(1).optional(),
  retryBudgetMinPerSecond: z.number().min(0).optional(),
  retryBudgetWindowMs: z.number().int().positive().optional(),
  maxInFlight: z.number().int().positive().optional(),
  maxQueued: z.number().int().nonnegative().optional(),
  breakerFailureThreshold: z.number().int().positive().optional(),
  breakerCooldownMs: z.number().int().positive().optional(),
  connections: z.number().int().positive().optional(),
  keepAliveTimeoutMs: z.number().int().positive().optional(),
  token: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const EndpointSchema = z.string().refine((value) => parseEndpointSafe(value) !== undefined, {
  message: 'must be http://host:port, https://host:port or unix:/absolute/path.sock',
});

const EntrySchema = PolicySchema.extend({
  url: EndpointSchema.optional(),
  endpoints: z.array(z.union([EndpointSchema, z.strictObject({ url: EndpointSchema, weight: z.number().min(0).optional() })])).optional(),
  versionRange: z.string().refine((range) => semver.validRange(range) !== null, { message: 'must be a semver range such as ^1.2.0' }).optional(),
  healthCheckIntervalMs: z.number().int().nonnegative().optional(),
  shadow: z.strictObject({ url: EndpointSchema, percent: z.number().min(0).max(100) }).optional(),
}).refine((entry) => (entry.url === undefined) !== (entry.endpoints === undefined), { message: 'give either url or endpoints' });

const ClientOptionsSchema = PolicySchema.extend({
  sidecars: z.record(z.string().min(1), z.union([EndpointSchema, EntrySchema])),
  logger: z.any().optional(),
});

export interface ResolvedSidecar extends SidecarPolicyOptions {
  name: string;
  /** The first endpoint, for messages. */
  url: string;
  endpoints: EndpointSpec[];
  versionRange: string | undefined;
  healthCheckIntervalMs: number;
  shadow: { url: string; percent: number } | undefined;
}

export interface ResolvedClientOptions {
  sidecars: ReadonlyMap<string, Readonly<ResolvedSidecar>>;
  defaults: Readonly<SidecarPolicyOptions>;
  logger: Logger | undefined;
}

const RENAMED: Record<string, string> = {
  timeout: 'timeoutMs',
  retries: 'maxRetries',
  idleTimeout: 'keepAliveTimeoutMs',
};

/** Validates once and resolves every sidecar's policies; throws `SquireConfigError` naming each bad option. */
export function resolveOptions(options: ClientOptions): ResolvedClientOptions {
  const result = ClientOptionsSchema.safeParse(options);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.join('.');
      const key = String(issue.path[issue.path.length - 1] ?? '');
      const value = issue.path.reduce<unknown>((node, segment) => (node as Record<PropertyKey, unknown> | undefined)?.[segment as PropertyKey], options);
      const hint = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => (RENAMED[k] ? ` ("${k}" is now "${RENAMED[k]}")` : '')).join('') : '';
      const shown = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : JSON.stringify(value);
      return `${path || key || 'options'}: ${issue.message}${shown !== undefined ? ` (got ${shown})` : ''}${hint}`;
    });
    throw new SquireConfigError(`invalid client options:\n  - ${problems.join('\n  - ')}`);
  }
  const { sidecars, logger, ...clientPolicies } = options;
  const clientSet = definedOnly(clientPolicies);
  const defaults: SidecarPolicyOptions = Object.freeze({ ...DEFAULT_CLIENT_OPTIONS, ...clientSet });
  const resolved = new Map<string, Readonly<ResolvedSidecar>>();
  for (const [name, entry] of Object.entries(sidecars)) {
    const own: SidecarEntry = typeof entry === 'string' ? { url: entry } : entry;
    const { url, endpoints, versionRange, healthCheckIntervalMs, shadow, ...policies } = own;
    const specs = endpoints ? endpoints.map((item) => (typeof item === 'string' ? { url: item, weight: 1 } : { url: item.url, weight: item.weight ?? 1 })) : [{ url: url!, weight: 1 }];
    const ownSet = definedOnly(policies);
    const merged = { ...defaults, ...ownSet };
    // Unless someone chose a pool size, it follows the in-flight limit (see `connections`).
    const connections = ownSet.connections ?? clientSet.connections ?? merged.maxInFlight;
    if (connections < merged.maxInFlight) {
      logger?.warn({ sidecar: name, connections, maxInFlight: merged.maxInFlight }, 'squire: connections < maxInFlight: calls past the pool wait inside it, where a drain of the only replica fails them');
    }
    resolved.set(
      name,
      Object.freeze({
        ...merged,
        connections,
        name,
        url: specs[0]?.url ?? '',
        endpoints: specs,
        versionRange,
        healthCheckIntervalMs: healthCheckIntervalMs ?? 0,
        shadow,
      }),
    );
  }
  return { sidecars: resolved, defaults, logger };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface ParsedEndpoint {
  /** What undici's Pool is constructed with. */
  origin: string;
  socketPath: string | undefined;
}

export function parseEndpointSafe(url: string): ParsedEndpoint | undefined {
  if (url.startsWith('unix:')) {
    const path = url.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    return path.startsWith('/') ? { origin: 'http://localhost', socketPath: path } : undefined;
  }
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    if (parsed.pathname !== '/' || parsed.search || parsed.username) return undefined;
    return { origin: parsed.origin, socketPath: undefined };
  } catch {
    return undefined;
  }
}
