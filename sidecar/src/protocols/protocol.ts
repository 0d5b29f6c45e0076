/**
 * @module
 * What a protocol facade hands the app: its routes (mounted after the
 * token and Host checks, so both apply unchanged), the paths whose errors
 * it renders in its own shape (a JSON-RPC error, OpenAI's error object)
 * rather than problem+json, the paths that need no token (A2A's agent
 * card), and its entry in the descriptor. Implementations load on their
 * first request, so a sidecar that is never called through a protocol
 * starts and idles as if it had none.
 */
import type { Context, Handler, Hono } from 'hono';
import type { Logger } from 'pino';
import type { AgentDescriptor, ProtocolDescriptor } from '@squire/client/contract';
import type { SidecarEnv } from '../app-env.js';
import type { AgentDefinition } from '../agent/define-agent.js';
import type { SidecarError } from '../errors.js';
import type { Lifecycle } from '../runtime/lifecycle.js';
import type { RunExecutor } from '../runtime/run-executor.js';
import type { DeadlineLimits } from '../runtime/deadline.js';
import type { BackgroundRuns } from '../runs/background-runs.js';
import type { IdempotencyLedger } from '../runs/ledger.js';

export interface ProtocolDeps {
  agent: AgentDefinition;
  descriptor: AgentDescriptor;
  executor: RunExecutor;
  runs: BackgroundRuns;
  lifecycle: Lifecycle;
  limits: DeadlineLimits & { maxBodyBytes: number; maxBodyDepth?: number | undefined };
  idempotency: IdempotencyLedger;
  /** Whether calls need `Authorization: Bearer` (discovery documents say so). */
  bearer: boolean;
  /** Host names accepted besides loopback (`--allowed-hosts`), also for `Origin`. */
  allowedHosts: readonly string[];
  log: Logger;
  /** Milliseconds between SSE heartbeat comments. @default 15000 */
  heartbeatMs?: number;
}

export interface ProtocolMount {
  readonly descriptor: ProtocolDescriptor;
  readonly routes: Hono<SidecarEnv>;
  /** Whether errors on this path (auth, Host, unknown route, crashes) answer in this protocol's shape. */
  owns(path: string): boolean;
  renderError(error: SidecarError, c: Context<SidecarEnv>): Response;
  /** Exact paths that need no bearer token. */
  readonly publicPaths?: readonly string[];
  /** The `Allow` header for a path this protocol owns, so a wrong method answers 405 rather than 404. */
  allowedMethods(path: string): string | undefined;
}

/** A handler whose implementation module is imported on its first request, once. */
export function lazyHandler(load: () => Promise<Handler<SidecarEnv>>): Handler<SidecarEnv> {
  let loading: Promise<Handler<SidecarEnv>> | undefined;
  return async (c, next) => (await (loading ??= load()))(c, next);
}
