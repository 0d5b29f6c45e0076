/**
 * @module
 * What the sidecar asks of a tracer, in its own terms (server request, run,
 * model call, tool call), so that no module but `otel-tracing.ts` imports
 * OpenTelemetry. `loadTracing` reads the standard `OTEL_*` environment and
 * imports that module only when tracing is on: a sidecar without it never
 * loads the OpenTelemetry SDK, and every call site skips its span with one
 * `undefined` check.
 */
import type { Logger } from 'pino';
import { tracingFromEnv } from './otel-env.js';

export interface TraceSpan {
  /** 32 hex digits. */
  readonly traceId: string;
  /** This span as a W3C `traceparent`, for the next hop. */
  readonly traceparent: string;
}

export interface ServerSpan extends TraceSpan {
  /** Names the span after the matched route. */
  setRoute(route: string): void;
  end(status: number): void;
}

export interface ChatCallStart {
  /** Model asked for. */
  model: string;
  /** `gen_ai.provider.name`: `openai` for an OpenAI-compatible endpoint. */
  provider: string;
  /** Where the model endpoint is (`server.address`, `server.port`). */
  baseUrl?: string | null | undefined;
  stream: boolean;
}

export interface ChatCallEnd {
  model: string;
  responseId?: string | undefined;
  finishReason: string | null;
  inputTokens: number;
  outputTokens: number;
}

export interface ChatSpan extends TraceSpan {
  succeed(result: ChatCallEnd): void;
  /** `kind` is the `error.type` (rate_limited, server_error, connection, ...). */
  fail(error: unknown, kind: string): void;
}

export interface ToolSpan {
  /** Runs the tool's code with this span as the active context (its own spans nest under it). */
  activate<T>(work: () => T): T;
  end(error?: unknown): void;
}

export interface RunSpan extends TraceSpan {
  /** Runs the agent's code with this span as the active context. */
  activate<T>(work: () => T): T;
  startChat(call: ChatCallStart): ChatSpan;
  startTool(name: string, callId: string): ToolSpan;
  /** `usage` totals of the run; `error` with its contract `code` when it failed. */
  end(outcome: { usage?: { input_tokens: number; output_tokens: number }; error?: unknown; code?: string }): void;
}

export interface RunSpanStart {
  agent: string;
  agentVersion: string;
  runId: string;
  kind: 'invoke' | 'background';
  attempt: number;
  /** The trace context the run belongs to (its request's server span, or the caller's header). */
  traceparent?: string | undefined;
  /** `gen_ai.provider.name` of the agent's model, when it has one. */
  provider?: string | undefined;
}

export interface Tracing {
  startServer(request: { method: string; path: string; route: string; traceparent?: string | undefined }): ServerSpan;
  startRun(run: RunSpanStart): RunSpan;
  /** Exports what is buffered and stops; called once at exit. */
  shutdown(): Promise<void>;
}

export interface TracingResource {
  /** Default `service.name` (`OTEL_SERVICE_NAME` wins). */
  serviceName: string;
  serviceVersion: string;
  sidecarVersion: string;
}

/** Tracing as the environment configures it, or undefined (and nothing loaded) when it is off. */
export async function loadTracing(env: NodeJS.ProcessEnv, resource: TracingResource, log: Logger): Promise<Tracing | undefined> {
  const decision = tracingFromEnv(env);
  for (const warning of decision.warnings) log.warn(warning);
  if (!decision.enabled) return undefined;
  const { createOtelTracing } = await import('./otel-tracing.js');
  const tracing = createOtelTracing({ protocol: decision.protocol, resource, env });
  log.info({ protocol: decision.protocol, endpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://localhost:4318' }, 'exporting traces over OTLP/HTTP');
  return tracing;
}
