/**
 * @module
 * The per-request steps at the edge that do not depend on Hono: the request
 * id, and once the answer is known, one metrics sample and one access line.
 * The Hono middleware (`request-log.ts`) and the invoke fast path
 * (`http/invoke-fast-path.ts`) both go through here, so both keep the same
 * promises with the same code.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SidecarMetrics } from '../metrics.js';
import { accessLineWriter, accessLogger, type AccessLineWriter } from '../logger.js';
import { honoPath, type RouteTable } from '../http/route-table.js';
import { traceIdOfRun } from '../telemetry/trace-context.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** One route's metric children, bound once: an unbound sample looks its label set up on every call. */
export interface RouteSamples {
  readonly duration: { observe(seconds: number): void };
  readonly byStatus: Map<number, { inc(): void }>;
}

/**
 * The request metrics of each (route, method), bound at start-up for the
 * table's routes and on first use for anything else (a wrong method, `other`).
 */
export function routeSamples(metrics: SidecarMetrics, table: RouteTable): (route: string, method: string) => RouteSamples {
  const byRoute = new Map<string, RouteSamples>();
  const bind = (route: string, method: string): RouteSamples => {
    const samples: RouteSamples = { duration: metrics.requestDuration.labels({ route, method }), byStatus: new Map() };
    byRoute.set(`${method} ${route}`, samples);
    return samples;
  };
  for (const spec of table.routes) bind(honoPath(spec.path), spec.method);
  return (route, method) => byRoute.get(`${method} ${route}`) ?? bind(route, method);
}

/** What the access line says about a finished request. */
export interface FinishedRequest {
  method: string;
  path: string;
  /** The route table's label of `path`. */
  route: string;
  status: number;
  /** `performance.now()` when the request arrived. */
  started: number;
  logBindings: Record<string, string>;
  runId?: string | undefined;
  /** The trace id of the request's run, when a trace reached the sidecar. */
  traceId?: string | undefined;
}

export interface RequestEdgeOptions {
  log: Logger;
  metrics: SidecarMetrics;
  agentName: string;
  table: RouteTable;
}

export class RequestEdge {
  private readonly access: Logger;
  private readonly writeLine: AccessLineWriter | undefined;
  private readonly samplesOf: (route: string, method: string) => RouteSamples;
  /** `,"agent":"<name>"`, escaped once. */
  private readonly agentField: string;
  private readonly pidField: string;
  private lastMs = 0;
  private lastTime = '';

  constructor(private readonly options: RequestEdgeOptions) {
    this.access = accessLogger(options.log);
    this.writeLine = accessLineWriter(this.access);
    this.samplesOf = routeSamples(options.metrics, options.table);
    this.agentField = `,"agent":${JSON.stringify(options.agentName)}`;
    this.pidField = `,"pid":${process.pid}`;
  }

  /** The caller's `x-request-id` when it is a sane one, else a new id. */
  requestId(offered: string | undefined): string {
    return offered !== undefined && REQUEST_ID.test(offered) ? offered : randomUUID();
  }

  /** The fields every log line of the request carries. */
  logBindings(reqId: string, traceparent: string | undefined): Record<string, string> {
    return traceparent !== undefined ? { reqId, traceparent } : { reqId };
  }

  /** One metrics sample and one access line for a request whose answer is known. */
  finish(request: FinishedRequest): void {
    const { route, method, status } = request;
    const seconds = (performance.now() - request.started) / 1000;
    const samples = this.samplesOf(route, method);
    let counter = samples.byStatus.get(status);
    if (!counter) {
      counter = this.options.metrics.requests.labels({ route, method, status: String(status) });
      samples.byStatus.set(status, counter);
    }
    counter.inc();
    samples.duration.observe(seconds);
    // Probes and scrapes arrive every few seconds; they log only at debug.
    const level = route === '/healthz' || route === '/readyz' || route === '/metrics' ? 'debug' : status >= 500 ? 'warn' : 'info';
    if (!this.access.isLevelEnabled(level)) return;
    const durationMs = Math.round(seconds * 100_000) / 100;
    // A waited-for run's trace is the request's, when it has one; a background run's is its own (see traceIdOfRun).
    const { runId } = request;
    const traceId = runId === undefined ? undefined : (request.traceId ?? traceIdOfRun(runId));
    if (this.writeLine) {
      this.writeLine(this.line(level, request, status, durationMs, runId, traceId));
      return;
    }
    this.access[level](
      {
        ...request.logBindings,
        agent: this.options.agentName,
        method,
        path: request.path,
        status,
        durationMs,
        ...(runId !== undefined && { run_id: runId, trace_id: traceId }),
      },
      'request',
    );
  }

  /**
   * The access line exactly as pino writes it (same fields, same order),
   * built as one string. Every field a caller controls goes through
   * JSON.stringify; the request id is either a UUID or matched REQUEST_ID.
   */
  private line(level: string, request: FinishedRequest, status: number, durationMs: number, runId: string | undefined, traceId: string | undefined): string {
    const now = Date.now();
    if (now !== this.lastMs) {
      this.lastMs = now;
      this.lastTime = new Date(now).toISOString();
    }
    let bindings = '';
    for (const key in request.logBindings) bindings += `,${JSON.stringify(key)}:${JSON.stringify(request.logBindings[key])}`;
    const run = runId === undefined ? '' : `,"run_id":${JSON.stringify(runId)},"trace_id":${JSON.stringify(traceId)}`;
    return `{"level":"${level}","time":"${this.lastTime}"${this.pidField}${bindings}${this.agentField},"method":${JSON.stringify(request.method)},"path":${JSON.stringify(request.path)},"status":${status},"durationMs":${durationMs}${run},"msg":"request"}\n`;
  }
}
