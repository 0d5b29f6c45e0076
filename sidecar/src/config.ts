/**
 * @module
 * The sidecar's configuration: every flag has an environment twin, flags win
 * over the environment, and the zod schema below is the single table of
 * defaults. `loadConfig` never throws and never exits; it returns every
 * problem at once so `main` can name them all and exit 2.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_MAX_BODY_DEPTH } from './http/json-depth.js';
import { redactStoreUrl, storeUrlProblem } from './store/postgres/store-url.js';

interface OptionSpec {
  env: string;
  /** Boolean flags take no value. */
  boolean?: boolean;
  description: string;
}

/** Flag → environment variable, in the order the README lists them. */
export const CONFIG_OPTIONS = {
  agent: { env: 'SQUIRE_AGENT', description: 'Path of the agent module (.ts or .js) whose default export is defineAgent(...)' },
  host: { env: 'SQUIRE_HOST', description: 'Address to bind; anything but loopback needs a token' },
  port: { env: 'SQUIRE_PORT', description: 'TCP port; 0 picks a free one (logged)' },
  socket: { env: 'SQUIRE_SOCKET', description: 'Unix socket path instead of TCP (mode 0600)' },
  'health-port': { env: 'SQUIRE_HEALTH_PORT', description: 'Extra port that serves only /healthz and /readyz, for kubelet probes' },
  'health-host': { env: 'SQUIRE_HEALTH_HOST', description: 'Address of the health port' },
  'metrics-on-health-port': {
    env: 'SQUIRE_METRICS_ON_HEALTH_PORT',
    boolean: true,
    description: 'Also serve /metrics on the health port, without the token (for scrapes from the pod network); env: true or false',
  },
  token: { env: 'SQUIRE_TOKEN', description: 'Bearer token (at least 16 characters) required on every route but /healthz and /readyz' },
  'token-file': { env: 'SQUIRE_TOKEN_FILE', description: 'File holding the token (e.g. a mounted secret; surrounding whitespace is trimmed)' },
  'allowed-hosts': { env: 'SQUIRE_ALLOWED_HOSTS', description: 'Comma-separated extra Host header names accepted on a loopback bind' },
  console: { env: 'SQUIRE_CONSOLE', description: 'Browser console at /console: on or off; needs the token to load unless bound to loopback or a unix socket' },
  slots: { env: 'SQUIRE_SLOTS', description: 'Runs at once' },
  'queue-max': { env: 'SQUIRE_QUEUE_MAX', description: 'Sync invokes waiting for a slot before 429' },
  'max-body': { env: 'SQUIRE_MAX_BODY', description: 'Largest request body (bytes, or 512kb, 1mb)' },
  'max-body-depth': { env: 'SQUIRE_MAX_BODY_DEPTH', description: 'Deepest nesting of objects and arrays in a request body (the envelope counts)' },
  'default-timeout-ms': { env: 'SQUIRE_DEFAULT_TIMEOUT_MS', description: 'Deadline of a call without Squire-Timeout-Ms' },
  'max-timeout-ms': { env: 'SQUIRE_MAX_TIMEOUT_MS', description: 'Cap on any deadline' },
  'grace-ms': { env: 'SQUIRE_GRACE_MS', description: 'How long SIGTERM waits for in-flight runs' },
  'keep-alive-timeout-ms': { env: 'SQUIRE_KEEP_ALIVE_TIMEOUT_MS', description: 'Server keep-alive; longer than any client idle timeout' },
  'headers-timeout-ms': { env: 'SQUIRE_HEADERS_TIMEOUT_MS', description: 'Time a client has to send its request headers' },
  'request-timeout-ms': { env: 'SQUIRE_REQUEST_TIMEOUT_MS', description: 'Time a client has to send its whole request' },
  'data-dir': { env: 'SQUIRE_DATA_DIR', description: 'Directory of the SQLite files (runs, sessions, idempotency); one sidecar process owns it' },
  store: { env: 'SQUIRE_STORE_URL', description: 'postgres://user:password@host:5432/db: keep runs, events, keys and sessions in PostgreSQL, shared by replicas (unset: SQLite in --data-dir)' },
  'store-file': { env: 'SQUIRE_STORE_FILE', description: 'File holding the PostgreSQL URL (e.g. a mounted secret)' },
  'store-pool-max': { env: 'SQUIRE_STORE_POOL_MAX', description: 'Most connections to PostgreSQL per sidecar (session holds included)' },
  'lease-ms': { env: 'SQUIRE_LEASE_MS', description: "How long a background run's claim holds without renewal: another replica resumes a stopped replica's runs after it" },
  'runs-max-queued': { env: 'SQUIRE_RUNS_MAX_QUEUED', description: 'Background runs queued on disk before 429' },
  'max-attempts': { env: 'SQUIRE_MAX_ATTEMPTS', description: 'Executions of a background run cut off by crashes before it fails' },
  'input-timeout-ms': { env: 'SQUIRE_INPUT_TIMEOUT_MS', description: 'How long a background run paused for a decision (a tool that needs approval) waits before it ends timed_out' },
  'idempotency-ttl-ms': { env: 'SQUIRE_IDEMPOTENCY_TTL_MS', description: 'How long an Idempotency-Key answer is kept' },
  'run-retention-ms': { env: 'SQUIRE_RUN_RETENTION_MS', description: 'How long finished background runs are kept' },
  model: { env: 'SQUIRE_MODEL', description: "Model name; overrides the agent's" },
  'openai-base-url': { env: 'OPENAI_BASE_URL', description: 'OpenAI-compatible endpoint; unset means the built-in offline model' },
  'openai-api-key': { env: 'OPENAI_API_KEY', description: 'API key of that endpoint' },
  'llm-max-retries': { env: 'SQUIRE_LLM_MAX_RETRIES', description: "Retries of failed model requests per run; a caller's Squire-Max-Retries lowers it" },
  'llm-max-retry-after-ms': { env: 'SQUIRE_LLM_MAX_RETRY_AFTER_MS', description: 'Longest Retry-After of the model that is waited out; longer ones answer 429 at once' },
  'session-max-messages': { env: 'SQUIRE_SESSION_MAX_MESSAGES', description: 'Turns of session memory loaded into a run' },
  'session-max-tokens': { env: 'SQUIRE_SESSION_MAX_TOKENS', description: 'Approximate tokens of session memory loaded into a run' },
  'session-queue-max': { env: 'SQUIRE_SESSION_QUEUE_MAX', description: 'Runs that may wait for one busy session (on_busy: enqueue) before 429 session_queue_full' },
  'session-ttl-ms': { env: 'SQUIRE_SESSION_TTL_MS', description: 'Idle time after which a session is forgotten' },
  protocols: { env: 'SQUIRE_PROTOCOLS', description: 'Protocols served beside contract v1: any of mcp, a2a, openai, comma-separated, or none' },
  'log-level': { env: 'SQUIRE_LOG_LEVEL', description: 'fatal, error, warn, info, debug, trace or silent' },
} as const satisfies Record<string, OptionSpec>;

export type ConfigOptionName = keyof typeof CONFIG_OPTIONS;

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2 };

const bytes = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(String(value));
  const unit = match ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected bytes such as 1048576, 512kb or 1mb, got "${value}"` });
    return z.NEVER;
  }
  return Number(match[1]) * unit;
});

/** The protocols a sidecar can speak beside contract v1 (see `src/protocols/`). */
export const PROTOCOL_NAMES = ['mcp', 'a2a', 'openai'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

export const ConfigSchema = z
  .object({
    agent: z.string({ error: 'is required (--agent or SQUIRE_AGENT)' }).min(1, 'is required (--agent or SQUIRE_AGENT)'),
    host: z.string().min(1).default('127.0.0.1'),
    port: int(0, 65535).default(7700),
    socket: z.string().min(1).optional(),
    healthPort: int(0, 65535).optional(),
    healthHost: z.string().min(1).default('0.0.0.0'),
    metricsOnHealthPort: z
      .string()
      .default('false')
      .transform((value, ctx) => {
        const normalised = value.trim().toLowerCase();
        if (['true', '1', 'on', 'yes'].includes(normalised)) return true;
        if (['false', '0', 'off', 'no'].includes(normalised)) return false;
        ctx.addIssue({ code: 'custom', message: `must be true or false, got "${value}"` });
        return z.NEVER;
      }),
    token: z.string().min(16, 'must be at least 16 characters').optional(),
    allowedHosts: z
      .string()
      .default('')
      .transform((value) => value.split(',').map((host) => host.trim().toLowerCase()).filter(Boolean)),
    console: z
      .enum(['on', 'off'], { error: (issue) => `must be on or off, got "${String(issue.input)}"` })
      .default('on')
      .transform((value) => value === 'on'),
    slots: int(1, 10_000).default(4),
    queueMax: int(0, 100_000).default(64),
    maxBody: bytes.default(1024 * 1024).pipe(z.number().int().min(1024, 'must be at least 1kb').max(64 * 1024 ** 2, 'must be at most 64mb')),
    // The ceiling keeps every recursive step after parsing (serialising, validating) far from the stack's limit.
    maxBodyDepth: int(2, 1000).default(DEFAULT_MAX_BODY_DEPTH),
    defaultTimeoutMs: int(1).default(60_000),
    maxTimeoutMs: int(1).default(300_000),
    graceMs: int(0).default(25_000),
    keepAliveTimeoutMs: int(1000).default(65_000),
    headersTimeoutMs: int(1000).default(10_000),
    requestTimeoutMs: int(1000).default(30_000),
    /** Unset: `.squire-data/<agent name>` (see `dataDirOf`). */
    dataDir: z.string().min(1).optional(),
    store: z
      .string()
      .min(1)
      .optional()
      .superRefine((url, ctx) => {
        const problem = url === undefined ? undefined : storeUrlProblem(url);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    storePoolMax: int(2, 1000).default(10),
    leaseMs: int(1000, 600_000).default(10_000),
    runsMaxQueued: int(1).default(10_000),
    maxAttempts: int(1, 100).default(3),
    inputTimeoutMs: int(1000).default(24 * 3600 * 1000),
    idempotencyTtlMs: int(1000).default(24 * 3600 * 1000),
    runRetentionMs: int(1000).default(7 * 24 * 3600 * 1000),
    model: z.string().min(1).optional(),
    openaiBaseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    openaiApiKey: z.string().min(1).optional(),
    llmMaxRetries: int(0, 10).default(2),
    llmMaxRetryAfterMs: int(0).default(5_000),
    sessionMaxMessages: int(1).default(50),
    sessionMaxTokens: int(1).default(8000),
    sessionQueueMax: int(0, 10_000).default(16),
    sessionTtlMs: int(1000).default(30 * 24 * 3600 * 1000),
    protocols: z
      .string()
      .default(PROTOCOL_NAMES.join(','))
      .transform((value, ctx) => {
        const names = value.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
        if (names.length === 1 && names[0] === 'none') return [];
        const unknown = names.filter((name) => !(PROTOCOL_NAMES as readonly string[]).includes(name));
        if (unknown.length > 0) {
          ctx.addIssue({ code: 'custom', message: `unknown protocol ${unknown.map((name) => `"${name}"`).join(', ')}; choose from ${PROTOCOL_NAMES.join(', ')} or none` });
          return z.NEVER;
        }
        return [...new Set(names)] as ProtocolName[];
      }),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((config, ctx) => {
    if (config.defaultTimeoutMs > config.maxTimeoutMs) {
      ctx.addIssue({ code: 'custom', path: ['defaultTimeoutMs'], message: `must not exceed --max-timeout-ms (${config.maxTimeoutMs})` });
    }
    if (config.metricsOnHealthPort && config.healthPort === undefined) {
      ctx.addIssue({ code: 'custom', path: ['metricsOnHealthPort'], message: 'needs --health-port (SQUIRE_HEALTH_PORT): it serves /metrics there' });
    }
    if (config.headersTimeoutMs > config.requestTimeoutMs) {
      ctx.addIssue({ code: 'custom', path: ['headersTimeoutMs'], message: 'must not exceed --request-timeout-ms' });
    }
    if (!config.socket && !isLoopbackHost(config.host) && !config.token) {
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: `binding ${config.host} exposes the agent beyond this machine: set --token (or SQUIRE_TOKEN / SQUIRE_TOKEN_FILE)`,
      });
    }
  });

export type SidecarConfig = z.output<typeof ConfigSchema>;

export type LoadConfigResult = { ok: true; config: SidecarConfig } | { ok: false; problems: string[] };

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const keyToFlag = new Map(Object.keys(CONFIG_OPTIONS).map((flag) => [camel(flag), flag]));

function describeKey(key: string): string {
  const flag = keyToFlag.get(key) ?? key;
  const spec = CONFIG_OPTIONS[flag as ConfigOptionName];
  return spec ? `--${flag} (${spec.env})` : key;
}

/** Reads flags, then environment, then defaults. Never throws. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadConfigResult {
  const problems: string[] = [];
  let values: Record<string, string | boolean | undefined> = {};
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.entries(CONFIG_OPTIONS).map(([flag, spec]) => [flag, { type: 'boolean' in spec && spec.boolean ? ('boolean' as const) : ('string' as const) }])),
      allowPositionals: false,
      strict: true,
    });
    values = parsed.values;
  } catch (error) {
    problems.push((error as Error).message);
  }

  const raw: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(CONFIG_OPTIONS)) {
    const given = values[flag];
    const value = given === true ? 'true' : (given ?? env[spec.env]);
    if (value !== undefined && value !== '') raw[camel(flag)] = value;
  }

  const tokenFile = raw.tokenFile as string | undefined;
  delete raw.tokenFile;
  if (tokenFile !== undefined) {
    if (raw.token !== undefined) problems.push('--token and --token-file are both set: choose one');
    try {
      raw.token = readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      problems.push(`--token-file (SQUIRE_TOKEN_FILE): cannot read ${tokenFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  const storeFile = raw.storeFile as string | undefined;
  delete raw.storeFile;
  if (storeFile !== undefined) {
    if (raw.store !== undefined) problems.push('--store and --store-file are both set: choose one');
    try {
      raw.store = readFileSync(storeFile, 'utf8').trim();
    } catch (error) {
      problems.push(`--store-file (SQUIRE_STORE_FILE): cannot read ${storeFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path.length > 0 ? String(issue.path[0]) : undefined;
      // A token read from a file is that file's problem: name the flag the user set.
      if (field === 'token' && tokenFile !== undefined) problems.push(`--token-file (SQUIRE_TOKEN_FILE): the token in ${tokenFile} ${issue.message}`);
      else problems.push(`${field === undefined ? 'config' : describeKey(field)}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) return { ok: false, problems };
  return { ok: true, config: result.data };
}

/** The data directory: `--data-dir`, else one per agent, so two agents started in one directory never share state. */
export function dataDirOf(config: Pick<SidecarConfig, 'dataDir'>, agentName: string): string {
  return config.dataDir ?? join(DEFAULT_DATA_ROOT, agentName);
}

export const DEFAULT_DATA_ROOT = '.squire-data';

/** The config as it may be logged: secrets replaced. */
export function redactConfig(config: SidecarConfig): Record<string, unknown> {
  const { token, openaiApiKey, store, ...rest } = config;
  return {
    ...rest,
    ...(store !== undefined && { store: redactStoreUrl(store) }),
    ...(token !== undefined && { token: '[redacted]' }),
    ...(openaiApiKey !== undefined && { openaiApiKey: '[redacted]' }),
  };
}

export const CONFIG_USAGE = [
  'Usage: squire-sidecar --agent ./agent.ts [options]',
  '',
  ...Object.entries(CONFIG_OPTIONS).map(([flag, spec]) => `  --${flag.padEnd(24)} ${spec.env.padEnd(28)} ${spec.description}`),
].join('\n');
