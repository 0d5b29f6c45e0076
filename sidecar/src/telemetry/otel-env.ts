/**
 * @module
 * Whether the sidecar exports traces, read from the standard OpenTelemetry
 * environment variables. Tracing is on when `OTEL_TRACES_EXPORTER` says
 * `otlp`, or when it is unset and an OTLP endpoint is set; it is off with
 * `OTEL_SDK_DISABLED=true`, with `OTEL_TRACES_EXPORTER=none`, and when
 * nothing is set: unlike the specification's default (`otlp` to
 * localhost:4318), a sidecar nobody configured sends nothing and loads no
 * OpenTelemetry code. Pure, so it is tested without a process.
 */

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export type TracingDecision =
  | { enabled: false; warnings: string[] }
  | { enabled: true; protocol: OtlpProtocol; warnings: string[] };

const SUPPORTED_PROTOCOLS: readonly string[] = ['http/protobuf', 'http/json'];

export function tracingFromEnv(env: NodeJS.ProcessEnv): TracingDecision {
  const warnings: string[] = [];
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { enabled: false, warnings };
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  for (const name of exporters) {
    if (name !== 'otlp' && name !== 'none') warnings.push(`OTEL_TRACES_EXPORTER "${name}" is not supported by the sidecar (only otlp and none); ignored`);
  }
  const wanted = exporters.length === 0 ? Boolean(endpoint) : exporters.includes('otlp');
  if (!wanted) return { enabled: false, warnings };
  const asked = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf').trim().toLowerCase();
  let protocol: OtlpProtocol = 'http/protobuf';
  if (SUPPORTED_PROTOCOLS.includes(asked)) protocol = asked as OtlpProtocol;
  else warnings.push(`OTLP protocol "${asked}" is not supported by the sidecar (only http/protobuf and http/json); using http/protobuf`);
  return { enabled: true, protocol, warnings };
}
