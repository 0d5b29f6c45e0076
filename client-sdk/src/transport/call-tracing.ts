/**
 * @module
 * OpenTelemetry spans of the client, through `@opentelemetry/api` alone: the
 * application's SDK (if it registered one) records them, and without one
 * every span is a no-op that costs one check. Each call is an INTERNAL span
 * (`invoke_agent {sidecar}` for runs, `{METHOD} {route}` otherwise) and each
 * attempt a CLIENT span under it, whose context goes to the sidecar as
 * `traceparent`, so a retried call shows every request it sent.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import type { RequestSpec } from './call.js';

const tracer = trace.getTracer('@squire/client');

const TRACEPARENT = /^00-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/**
 * Where every copy of `@opentelemetry/api` 1.x keeps what an SDK registered
 * (its documented cross-copy global). Without a tracer provider and a
 * context manager there, a span would be a no-op and no context can be
 * active: one property read then replaces the API's calls, which cost ~10 µs
 * of CPU per call of the client.
 */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');

function nothingRegistered(): boolean {
  const registered = (globalThis as Record<symbol, { trace?: unknown; context?: unknown } | undefined>)[OTEL_GLOBAL];
  return registered === undefined || (registered.trace === undefined && registered.context === undefined);
}

export interface CallTrace {
  readonly span: Span;
  readonly context: Context;
}

/**
 * The call's span, or undefined when nothing records it (no SDK, or not
 * sampled). `traceparent`, when the caller gave one, is the parent instead
 * of the active context.
 */
export function startCallTrace(sidecar: string, spec: RequestSpec, traceparent: string | undefined): CallTrace | undefined {
  if (nothingRegistered()) return undefined;
  const parent = traceparent !== undefined ? remoteContext(traceparent) : context.active();
  // Named and described only once it is known to record: without an SDK this is the whole cost.
  const span = tracer.startSpan('squire call', { kind: SpanKind.INTERNAL }, parent);
  if (!span.isRecording()) return undefined;
  const runs = spec.method === 'POST' && (spec.path === '/v1/invoke' || spec.path === '/v1/runs');
  span.updateName(runs ? `invoke_agent ${sidecar}` : `${spec.method} ${routeOf(spec.path)}`);
  span.setAttributes(
    runs
      ? { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': sidecar, 'squire.sidecar': sidecar, 'squire.background': spec.path === '/v1/runs' }
      : { 'squire.sidecar': sidecar },
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** The `traceparent` of a call nothing records: the caller's, else the active span's (an unsampled trace still propagates). */
export function passiveTraceparent(given: string | undefined): string | undefined {
  if (given !== undefined || nothingRegistered()) return given;
  const active = trace.getSpanContext(context.active());
  return active && trace.isSpanContextValid(active) ? format(active) : undefined;
}

export interface AttemptTrace {
  readonly traceparent: string;
  end(status: number | undefined, error?: unknown): void;
}

/** `resent`: requests this call sent before this one (attempts that found no replica sent none). */
export function startAttemptTrace(call: CallTrace, spec: RequestSpec, url: string, resent: number): AttemptTrace {
  const attributes: Record<string, string | number> = { 'http.request.method': spec.method, 'url.full': `${url}${spec.path}`, 'url.template': routeOf(spec.path) };
  const server = serverOf(url);
  if (server) Object.assign(attributes, server);
  if (resent > 0) attributes['http.request.resend_count'] = resent;
  const span = tracer.startSpan(spec.method, { kind: SpanKind.CLIENT, attributes }, call.context);
  return {
    traceparent: format(span.spanContext()),
    end(status, error) {
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      if (error !== undefined) fail(span, error);
      span.end();
    },
  };
}

export function endCallTrace(call: CallTrace, error?: unknown): void {
  if (error !== undefined) fail(call.span, error);
  call.span.end();
}

function fail(span: Span, error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setAttribute('error.type', (failure as { code?: unknown }).code !== undefined ? String((failure as { code?: unknown }).code) : failure.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
}

function format(spanContext: SpanContext): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${spanContext.traceFlags & 1}`;
}

function remoteContext(traceparent: string): Context {
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (!match) return context.active();
  const spanContext: SpanContext = { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16) & 1, isRemote: true };
  return trace.isSpanContextValid(spanContext) ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : context.active();
}

/** The path with ids replaced, so span names stay few. */
export function routeOf(path: string): string {
  const bare = path.split('?')[0]!;
  return bare.replace(/^\/v1\/runs\/[^/]+/, '/v1/runs/{run_id}').replace(/^\/v1\/sessions\/[^/]+/, '/v1/sessions/{session_id}');
}

function serverOf(url: string): Record<string, string | number> | undefined {
  if (!url.startsWith('http')) return undefined;
  try {
    const parsed = new URL(url);
    return { 'server.address': parsed.hostname, 'server.port': parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80 };
  } catch {
    return undefined;
  }
}
