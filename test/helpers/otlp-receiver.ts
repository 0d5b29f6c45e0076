/**
 * An in-process OTLP/HTTP trace receiver: a node:http server on loopback
 * that accepts `POST /v1/traces` as JSON (`http/json`) or protobuf
 * (`http/protobuf`, decoded by the small wire-format reader below) and keeps
 * every span, flattened with its resource attributes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  resource: Record<string, unknown>;
  scope: string;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:PORT`: the value of OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Content types of the exports received. */
  contentTypes: string[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const type = String(req.headers['content-type'] ?? '');
      contentTypes.push(type);
      const body = Buffer.concat(chunks);
      spans.push(...(type.includes('json') ? fromJson(JSON.parse(body.toString('utf8')) as JsonExport) : fromProtobuf(body)));
      if (type.includes('json')) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    contentTypes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface JsonValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: JsonValue[] };
}
interface JsonKeyValue {
  key: string;
  value: JsonValue;
}
interface JsonExport {
  resourceSpans?: Array<{
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans?: Array<{
      scope?: { name?: string };
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: JsonKeyValue[];
        events?: Array<{ name: string; attributes?: JsonKeyValue[] }>;
        status?: { code?: number; message?: string };
      }>;
    }>;
  }>;
}

function jsonValue(value: JsonValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(jsonValue);
  return undefined;
}

const jsonAttributes = (list: JsonKeyValue[] | undefined) => Object.fromEntries((list ?? []).map(({ key, value }) => [key, jsonValue(value)]));

function fromJson(body: JsonExport): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = jsonAttributes(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: jsonAttributes(span.attributes),
        events: (span.events ?? []).map((event) => ({ name: event.name, attributes: jsonAttributes(event.attributes) })),
        status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
        resource,
        scope: scopeSpans.scope?.name ?? '',
      })),
    );
  });
}

/** Protobuf fields of one message: field number → raw values (varints as bigint, length-delimited as Buffer). */
function fields(buffer: Buffer): Map<number, Array<bigint | Buffer>> {
  const out = new Map<number, Array<bigint | Buffer>>();
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buffer[offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < buffer.length) {
    const tag = Number(varint());
    const field = tag >> 3;
    let value: bigint | Buffer;
    switch (tag & 7) {
      case 0:
        value = varint();
        break;
      case 1:
        value = buffer.subarray(offset, offset + 8);
        offset += 8;
        break;
      case 2: {
        const length = Number(varint());
        value = buffer.subarray(offset, offset + length);
        offset += length;
        break;
      }
      case 5:
        value = buffer.subarray(offset, offset + 4);
        offset += 4;
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${tag & 7}`);
    }
    if (!out.has(field)) out.set(field, []);
    out.get(field)!.push(value);
  }
  return out;
}

const bytes = (map: Map<number, Array<bigint | Buffer>>, field: number) => (map.get(field) ?? []) as Buffer[];
const text = (map: Map<number, Array<bigint | Buffer>>, field: number) => bytes(map, field)[0]?.toString('utf8') ?? '';
const number = (map: Map<number, Array<bigint | Buffer>>, field: number) => Number((map.get(field)?.[0] as bigint | undefined) ?? 0n);

function protoValue(buffer: Buffer): unknown {
  const value = fields(buffer);
  if (value.has(1)) return text(value, 1);
  if (value.has(2)) return number(value, 2) === 1;
  if (value.has(3)) return Number(BigInt.asIntN(64, value.get(3)![0] as bigint));
  if (value.has(4)) return (value.get(4)![0] as Buffer).readDoubleLE(0);
  if (value.has(5)) return bytes(fields(bytes(value, 5)[0]!), 1).map(protoValue);
  return undefined;
}

const protoAttributes = (list: Buffer[]) =>
  Object.fromEntries(
    list.map((entry) => {
      const keyValue = fields(entry);
      return [text(keyValue, 1), protoValue(bytes(keyValue, 2)[0] ?? Buffer.alloc(0))];
    }),
  );

function fromProtobuf(body: Buffer): ReceivedSpan[] {
  return bytes(fields(body), 1).flatMap((resourceSpansBytes) => {
    const resourceSpans = fields(resourceSpansBytes);
    const resource = protoAttributes(bytes(fields(bytes(resourceSpans, 1)[0] ?? Buffer.alloc(0)), 1));
    return bytes(resourceSpans, 2).flatMap((scopeSpansBytes) => {
      const scopeSpans = fields(scopeSpansBytes);
      const scope = text(fields(bytes(scopeSpans, 1)[0] ?? Buffer.alloc(0)), 1);
      return bytes(scopeSpans, 2).map((spanBytes) => {
        const span = fields(spanBytes);
        const status = fields(bytes(span, 15)[0] ?? Buffer.alloc(0));
        return {
          traceId: bytes(span, 1)[0]!.toString('hex'),
          spanId: bytes(span, 2)[0]!.toString('hex'),
          parentSpanId: bytes(span, 4)[0]?.toString('hex') ?? '',
          name: text(span, 5),
          kind: number(span, 6),
          attributes: protoAttributes(bytes(span, 9)),
          events: bytes(span, 11).map((eventBytes) => {
            const event = fields(eventBytes);
            return { name: text(event, 2), attributes: protoAttributes(bytes(event, 3)) };
          }),
          status: { code: number(status, 3), message: text(status, 2) },
          resource,
          scope,
        };
      });
    });
  });
}
