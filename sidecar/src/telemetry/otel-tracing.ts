/**
 * @module
 * The OpenTelemetry implementation of `Tracing`, imported only when the
 * environment turns tracing on. Spans follow the HTTP and GenAI semantic
 * conventions: a SERVER span per request, `invoke_agent {agent}` per run,
 * `chat {model}` (CLIENT) per model request, `execute_tool {tool}` per tool
 * call, each failure recorded as an ERROR status, an `error.type` and an
 * exception event. The provider is registered globally, so an agent's own
 * spans (through `@opentelemetry/api`) nest under its run and tool spans,
 * and it batches and exports over OTLP/HTTP as the `OTEL_*` variables say
 * (endpoint, headers, `OTEL_BSP_*`, `OTEL_TRACES_SAMPLER`).
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Attributes, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import { BatchSpanProcessor, NodeTracerProvider, RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-node';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { OtlpProtocol } from './otel-env.js';
import { parseTraceparent, traceIdOfRun } from './trace-context.js';
import type { ChatSpan, RunSpan, ServerSpan, ToolSpan, Tracing, TracingResource } from './tracing.js';

export interface OtelTracingOptions {
  protocol: OtlpProtocol;
  resource: TracingResource;
  env: NodeJS.ProcessEnv;
}

const SCOPE = '@squire/sidecar';

export function createOtelTracing(options: OtelTracingOptions): Tracing {
  const { resource } = options;
  const defaults = resourceFromAttributes({
    'service.name': resource.serviceName,
    'service.version': resource.serviceVersion,
    'squire.sidecar.version': resource.sidecarVersion,
  });
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults.
  const merged = defaultResource().merge(defaults).merge(detectResources({ detectors: [envDetector] }));
  const exporter = options.protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtoExporter();
  const ids = new RunTraceIds();
  const provider = new NodeTracerProvider({ resource: merged, idGenerator: ids, spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  const tracer = provider.getTracer(SCOPE, resource.sidecarVersion);

  return {
    startServer(request) {
      const parent = remoteParent(request.traceparent);
      const span = tracer.startSpan(
        `${request.method} ${request.route}`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': request.path, 'http.route': request.route } },
        parent,
      );
      return {
        ...identity(span),
        setRoute(route) {
          span.updateName(`${request.method} ${route}`);
          span.setAttribute('http.route', route);
        },
        end(status) {
          span.setAttribute('http.response.status_code', status);
          if (status >= 500) {
            span.setAttribute('error.type', String(status));
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
        },
      } satisfies ServerSpan;
    },

    startRun(run) {
      const attributes: Attributes = {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': run.agent,
        'gen_ai.agent.version': run.agentVersion,
        'squire.run.id': run.runId,
        'squire.run.kind': run.kind,
        'squire.run.attempt': run.attempt,
      };
      if (run.provider) attributes['gen_ai.provider.name'] = run.provider;
      const parent = remoteParent(run.traceparent);
      // A run no trace reached (a background run) starts the trace its log lines already name.
      if (!trace.getSpan(parent)) ids.next = traceIdOfRun(run.runId);
      const span = tracer.startSpan(`invoke_agent ${run.agent}`, { kind: SpanKind.INTERNAL, attributes }, parent);
      ids.next = undefined;
      const runContext = trace.setSpan(context.active(), span);
      return {
        ...identity(span),
        activate: (work) => context.with(runContext, work),
        startChat(call) {
          const chatAttributes: Attributes = {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': call.provider,
            'gen_ai.request.model': call.model,
            'gen_ai.agent.name': run.agent,
          };
          const server = serverOf(call.baseUrl);
          if (server) Object.assign(chatAttributes, server);
          const chat = tracer.startSpan(`chat ${call.model}`, { kind: SpanKind.CLIENT, attributes: chatAttributes }, runContext);
          return {
            ...identity(chat),
            succeed(result) {
              chat.setAttributes({
                'gen_ai.response.model': result.model,
                'gen_ai.usage.input_tokens': result.inputTokens,
                'gen_ai.usage.output_tokens': result.outputTokens,
                ...(result.finishReason !== null && { 'gen_ai.response.finish_reasons': [result.finishReason] }),
                ...(result.responseId !== undefined && { 'gen_ai.response.id': result.responseId }),
              });
              chat.end();
            },
            fail(error, kind) {
              recordFailure(chat, error, kind);
              chat.end();
            },
          } satisfies ChatSpan;
        },
        startTool(name, callId) {
          const tool = tracer.startSpan(
            `execute_tool ${name}`,
            { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.id': callId, 'gen_ai.tool.type': 'function' } },
            runContext,
          );
          const toolContext = trace.setSpan(runContext, tool);
          return {
            activate: (work) => context.with(toolContext, work),
            end(error) {
              if (error !== undefined) recordFailure(tool, error, 'tool_error');
              tool.end();
            },
          } satisfies ToolSpan;
        },
        end(outcome) {
          if (outcome.usage) span.setAttributes({ 'gen_ai.usage.input_tokens': outcome.usage.input_tokens, 'gen_ai.usage.output_tokens': outcome.usage.output_tokens });
          if (outcome.error !== undefined) recordFailure(span, outcome.error, outcome.code ?? 'agent_error');
          span.end();
        },
      } satisfies RunSpan;
    },

    async shutdown() {
      await provider.shutdown();
    },
  };
}

/**
 * Random ids, except the trace id of a root run span, which is the one
 * `traceIdOfRun` gives its run: every attempt of a background run, in any
 * process, joins one trace, and its log lines (which cannot see the span)
 * name that trace.
 */
class RunTraceIds implements IdGenerator {
  next: string | undefined;
  private readonly random = new RandomIdGenerator();

  generateTraceId(): string {
    return this.next ?? this.random.generateTraceId();
  }

  generateSpanId(): string {
    return this.random.generateSpanId();
  }
}

function identity(span: Span): { traceId: string; traceparent: string } {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { traceId, traceparent: `00-${traceId}-${spanId}-0${traceFlags & 1}` };
}

/** The caller's context as the parent, or the active one (a new trace) when it sent none or a malformed one. */
function remoteParent(traceparent: string | undefined): Context {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) return context.active();
  const spanContext: SpanContext = { traceId: parsed.traceId, spanId: parsed.spanId, traceFlags: parsed.sampled ? 1 : 0, isRemote: true };
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

function recordFailure(span: Span, error: unknown, kind: string): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  span.recordException(exception);
  span.setAttribute('error.type', kind);
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
}

function serverOf(baseUrl: string | null | undefined): Attributes | undefined {
  if (!baseUrl) return undefined;
  try {
    const url = new URL(baseUrl);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { 'server.address': url.hostname, 'server.port': port };
  } catch {
    return undefined;
  }
}
