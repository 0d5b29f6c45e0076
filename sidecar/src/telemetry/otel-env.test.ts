import { describe, expect, it } from 'vitest';
import { tracingFromEnv } from './otel-env.js';
import { parseTraceparent, traceIdOf, traceIdOfRun } from './trace-context.js';
import { newRunId } from '../runtime/ids.js';

describe('tracingFromEnv', () => {
  it('is off when nothing is set, and loads nothing', () => {
    expect(tracingFromEnv({})).toEqual({ enabled: false, warnings: [] });
  });
  it('is on with an OTLP endpoint, protobuf unless asked for JSON', () => {
    expect(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toEqual({ enabled: true, protocol: 'http/protobuf', warnings: [] });
    expect(tracingFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toMatchObject({ enabled: true, protocol: 'http/json' });
    expect(tracingFromEnv({ OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({ enabled: true, protocol: 'http/protobuf' });
  });
  it('is off when disabled or told none, whatever else is set', () => {
    expect(tracingFromEnv({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }).enabled).toBe(false);
    expect(tracingFromEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).enabled).toBe(false);
  });
  it('warns about exporters and protocols it does not speak', () => {
    const decision = tracingFromEnv({ OTEL_TRACES_EXPORTER: 'otlp,zipkin', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' });
    expect(decision).toMatchObject({ enabled: true, protocol: 'http/protobuf' });
    expect(decision.warnings).toHaveLength(2);
  });
});

describe('trace context', () => {
  it('parses a valid traceparent and refuses invalid ones', () => {
    expect(parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', sampled: true });
    expect(parseTraceparent('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeUndefined();
    expect(parseTraceparent('ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBeUndefined();
    expect(traceIdOf('garbage')).toBeUndefined();
  });
  it('derives one 32-hex-digit trace id per run id', () => {
    const runId = newRunId(Date.UTC(2026, 0, 1));
    const id = traceIdOfRun(runId);
    expect(id).toMatch(/^[\da-f]{32}$/);
    expect(traceIdOfRun(runId)).toBe(id);
    expect(id.slice(0, 12)).toBe(Date.UTC(2026, 0, 1).toString(16).padStart(12, '0'));
    expect(traceIdOfRun(newRunId())).not.toBe(id);
  });
});
