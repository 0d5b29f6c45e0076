/**
 * @module
 * Builds one sidecar's dependencies and its app from a resolved config and a
 * loaded agent, without listening or touching the process. `main.ts` adds the
 * listener and signal handling; tests and `@squire/sidecar/testing` use this
 * directly.
 */
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AgentDescriptor } from '@squire/client/contract';
import { createApp } from './app.js';
import type { SidecarEnv } from './app-env.js';
import type { SidecarConfig } from './config.js';
import { dataDirOf, isLoopbackHost } from './config.js';
import { createMetrics, type SidecarMetrics } from './metrics.js';
import { agentOpenApi, describeAgent } from './agent/describe-agent.js';
import type { AgentDefinition } from './agent/define-agent.js';
import { Slots } from './runtime/slots.js';
import { Lifecycle } from './runtime/lifecycle.js';
import { RunExecutor } from './runtime/run-executor.js';
import type { LlmProvider } from './llm/llm-client.js';
import { createLlmProvider, runLlmAgent } from './llm/index.js';
import { Sessions } from './session/sessions.js';
import type { Store } from './store/store.js';
import { openSqliteStore } from './store/sqlite/index.js';
import { IdempotencyLedger } from './runs/ledger.js';
import { BackgroundRuns } from './runs/background-runs.js';
import { describeProtocols, mountProtocols } from './protocols/index.js';
import { protocolRoutes, withProtocolPaths } from './protocols/openapi.js';
import { consoleMount } from './console/console-mount.js';
import type { Tracing } from './telemetry/tracing.js';

export interface Sidecar {
  app: Hono<SidecarEnv>;
  agent: AgentDefinition;
  descriptor: AgentDescriptor;
  lifecycle: Lifecycle;
  slots: Slots;
  executor: RunExecutor;
  metrics: SidecarMetrics;
  llm: LlmProvider;
  sessions: Sessions;
  runs: BackgroundRuns;
  /** Runs, events, idempotency keys and sessions: opened here unless given. */
  store: Store;
  log: Logger;
  /** Releases what the dependencies hold (model clients, databases). */
  close(): Promise<void>;
}

export interface CreateSidecarOptions {
  config: SidecarConfig;
  agent: AgentDefinition;
  log: Logger;
  /** Replaces the model provider the config selects (tests). */
  llm?: LlmProvider;
  /**
   * An opened store to use (`openStore` opens the PostgreSQL one of
   * `--store`); without one, the SQLite store in the data directory is
   * opened (and locked) here, which throws `StoreOpenError` when it cannot be.
   */
  store?: Store;
  /** Spans of requests, runs, model and tool calls (see `telemetry/tracing.ts`); none without it. */
  tracing?: Tracing | undefined;
}

export function createSidecar({ config, agent, log, tracing, ...overrides }: CreateSidecarOptions): Sidecar {
  const limits = {
    slots: agent.limits?.slots ?? config.slots,
    queueMax: agent.limits?.queueMax ?? config.queueMax,
    defaultTimeoutMs: agent.limits?.defaultTimeoutMs ?? config.defaultTimeoutMs,
    maxTimeoutMs: agent.limits?.maxTimeoutMs ?? config.maxTimeoutMs,
  };
  const slots = new Slots(limits.slots, limits.queueMax);
  const lifecycle = new Lifecycle();
  const metrics = createMetrics(agent, slots);
  const store = overrides.store ?? openSqliteStore({ dataDir: dataDirOf(config, agent.name), agent: { name: agent.name, version: agent.version } });
  const llm = overrides.llm ?? createLlmProvider(config, log, { onRetry: () => metrics.llmRetries.inc(), metrics });
  const sessions = new Sessions(store.sessions, {
    maxMessages: config.sessionMaxMessages,
    maxTokens: config.sessionMaxTokens,
    ttlMs: config.sessionTtlMs,
    queueMax: config.sessionQueueMax,
    log,
  });
  const executor = new RunExecutor({ agent, slots, llm, runLlmAgent, sessions, metrics, log, lifecycle, tracing });
  const ledger = new IdempotencyLedger(store.keys, { ttlMs: config.idempotencyTtlMs });
  const runs = new BackgroundRuns(store, ledger, executor, slots, lifecycle, log, {
    maxQueued: config.runsMaxQueued,
    maxAttempts: config.maxAttempts,
    retentionMs: config.runRetentionMs,
    leaseMs: config.leaseMs,
    inputTimeoutMs: config.inputTimeoutMs,
  });
  metrics.trackQueuedRuns(() => runs.countQueued().catch(() => Number.NaN));
  const bodyLimits = { defaultTimeoutMs: limits.defaultTimeoutMs, maxTimeoutMs: limits.maxTimeoutMs, maxBodyBytes: config.maxBody, maxBodyDepth: config.maxBodyDepth };
  const descriptor = describeAgent(
    agent,
    {
      slots: limits.slots,
      queue_max: limits.queueMax,
      max_body_bytes: config.maxBody,
      default_timeout_ms: limits.defaultTimeoutMs,
      max_timeout_ms: limits.maxTimeoutMs,
    },
    llm.descriptor,
    { backgroundRuns: true, sessions: true, protocols: describeProtocols(config.protocols) },
  );
  const protocols = mountProtocols(config.protocols, {
    agent,
    descriptor,
    executor,
    runs,
    lifecycle,
    limits: bodyLimits,
    idempotency: ledger,
    allowedHosts: config.allowedHosts,
    bearer: config.token !== undefined,
    log,
  });
  const app = createApp({
    descriptor,
    openapi: () => withProtocolPaths(agentOpenApi(agent, descriptor), config.protocols),
    executor,
    lifecycle,
    metrics,
    log,
    limits: bodyLimits,
    token: config.token,
    allowedHosts: hostCheckList(config),
    ...(agent.ready && { ready: agent.ready }),
    store,
    idempotency: ledger,
    protocols,
    tracing,
    console: config.console ? consoleMount({ open: config.socket !== undefined || isLoopbackHost(config.host), token: config.token }) : undefined,
    runs,
    sessions,
    protocolRoutes: protocolRoutes(config.protocols),
  });
  return {
    app,
    agent,
    descriptor,
    lifecycle,
    slots,
    executor,
    metrics,
    llm,
    sessions,
    runs,
    store,
    log,
    close: async () => {
      runs.close();
      sessions.close();
      try {
        await llm.close?.();
      } finally {
        await store.close();
      }
    },
  };
}

/** The Host check guards loopback binds only: a unix socket is out of a browser's reach, and public binds carry a token. */
function hostCheckList(config: SidecarConfig): readonly string[] | undefined {
  if (config.socket) return undefined;
  if (!isLoopbackHost(config.host)) return config.allowedHosts.length > 0 ? [config.host, ...config.allowedHosts] : undefined;
  return config.allowedHosts;
}
