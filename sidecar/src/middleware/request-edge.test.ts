import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accessLogger, createLogger, flushLogs } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { Slots } from '../runtime/slots.js';
import { CONTRACT_ROUTES, RouteTable } from '../http/route-table.js';
import { RequestEdge, type FinishedRequest } from './request-edge.js';

const fds: number[] = [];
afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
});

function logFile() {
  const path = join(mkdtempSync(join(tmpdir(), 'squire-edge-')), 'out.log');
  const fd = openSync(path, 'a');
  fds.push(fd);
  return { fd, text: () => readFileSync(path, 'utf8') };
}

describe('RequestEdge access line', () => {
  it('writes the same line, field for field and in order, as pino would', () => {
    const { fd, text } = logFile();
    const log = createLogger({ level: 'info', fd });
    const edge = new RequestEdge({ log, metrics: createMetrics({ name: 'echo "q"', version: '1' }, new Slots(1, 1)), agentName: 'echo "q"', table: new RouteTable(CONTRACT_ROUTES) });
    const request: FinishedRequest = {
      method: 'POST',
      path: '/v1/invoke/"odd\\path',
      route: 'other',
      status: 200,
      started: performance.now(),
      logBindings: { reqId: 'req-1', traceparent: 'a "quoted" \\ header' },
      runId: 'run_0mx5c2x4rf5001fd9a9dd3b38fa7',
      traceId: undefined,
    };
    edge.finish(request);
    edge.finish({ ...request, runId: undefined, status: 503, logBindings: { reqId: 'req-2' } });
    flushLogs(log);
    const [built, second] = text().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

    const reference = logFile();
    const pinoLog = createLogger({ level: 'info', fd: reference.fd });
    accessLogger(pinoLog).info(
      { ...request.logBindings, agent: 'echo "q"', method: 'POST', path: request.path, status: 200, durationMs: built!.durationMs, run_id: request.runId, trace_id: built!.trace_id },
      'request',
    );
    flushLogs(pinoLog);
    const expected = JSON.parse(reference.text().trim()) as Record<string, unknown>;
    expect(Object.keys(built!)).toEqual(Object.keys(expected));
    expect({ ...built, time: undefined }).toEqual({ ...expected, time: undefined });
    expect(built!.trace_id).toMatch(/^[\da-f]{32}$/);
    expect(second).toMatchObject({ level: 'warn', reqId: 'req-2', status: 503, msg: 'request' });
    expect(second).not.toHaveProperty('run_id');
  });
});
