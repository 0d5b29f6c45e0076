/**
 * @module
 * `squire runs submit | get | wait | events | cancel | resume | list`: durable
 * background runs from the shell, through the SDK's `RunHandle`. On a
 * terminal `wait` draws a live progress line and `list` a table; piped, every
 * subcommand prints JSON lines.
 */
import { RUN_STATUSES, type RunEvent, type RunStatus } from '../../contract/index.js';
import type { SquireClient } from '../../client.js';
import type { RunHandle } from '../../run-handle.js';
import { AbortError, TimeoutError } from '../../errors.js';
import { EXIT, jsonOption, parseCommandArgs, positiveInt, UsageError, type Command } from '../command.js';
import { forPeople, printJson, printJsonLine, type CliIo } from '../io.js';
import { ProgressLine } from '../runs/progress-line.js';
import { finalLine, foldEvent, progressLine, startProgress } from '../runs/run-progress.js';
import { runTable } from '../runs/run-table.js';
import { reportFailure, TARGET, TARGET_OPTIONS, TARGET_USAGE, targetClient } from '../target-client.js';

const USAGE = `squire runs submit <endpoint> --input <json> [--idempotency-key K] [--session-id S] [--wait]
squire runs get    <endpoint> <run-id>
squire runs wait   <endpoint> <run-id> [--timeout-ms N]     exit 0 when the run succeeded
squire runs events <endpoint> <run-id> [--after SEQ]
squire runs cancel <endpoint> <run-id>
squire runs resume <endpoint> <run-id> --decision approve|reject [--reason TEXT]   answer a run paused for input
squire runs list   <endpoint> [--status S] [--limit N] [--cursor C] [--all]
Every subcommand takes [--token T]; submit, get, cancel and list take [--timeout-ms N] for the call.
On a terminal, wait shows a live progress line and list a table; piped, each prints JSON lines.
${TARGET_USAGE}`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  input: { type: 'string' },
  'idempotency-key': { type: 'string' },
  'session-id': { type: 'string' },
  wait: { type: 'boolean' },
  after: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
  decision: { type: 'string' },
  reason: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];
type Subcommand = (client: SquireClient, args: { values: Values; runId: string | undefined }, io: CliIo) => Promise<number>;

const SUBCOMMANDS: Record<string, Subcommand> = {
  async submit(client, { values }, io) {
    const input = jsonOption(values.input, '--input');
    const handle = await client.agent(TARGET).submit(input, {
      ...(values['idempotency-key'] && { idempotencyKey: values['idempotency-key'] }),
      ...(values['session-id'] && { sessionId: values['session-id'] }),
    });
    if (values.wait) return waitFor(handle, undefined, io);
    // The record as it is now: a replayed Idempotency-Key may name a run that already ended.
    printJson(io, await handle.get());
    return EXIT.ok;
  },
  async get(client, { runId }, io) {
    printJson(io, await client.agent(TARGET).run(required(runId)).get());
    return EXIT.ok;
  },
  async wait(client, { values, runId }, io) {
    return waitFor(client.agent(TARGET).run(required(runId)), positiveInt(values['timeout-ms'], '--timeout-ms'), io);
  },
  async events(client, { values, runId }, io) {
    const after = values.after === undefined ? 0 : nonNegativeInt(values.after, '--after');
    let last: RunEvent | undefined;
    for await (const event of client.agent(TARGET).run(required(runId)).events({ afterSeq: after })) {
      last = event;
      if (forPeople(io)) io.stdout.write(`${describeEvent(event)}\n`);
      else printJsonLine(io, event);
    }
    return last?.type === 'run.failed' ? EXIT.failed : EXIT.ok;
  },
  async cancel(client, { runId }, io) {
    printJson(io, await client.agent(TARGET).run(required(runId)).cancel());
    return EXIT.ok;
  },
  async resume(client, { values, runId }, io) {
    const decision = values.decision;
    if (decision !== 'approve' && decision !== 'reject') throw new UsageError(`--decision must be approve or reject, got ${decision ?? 'nothing'}`);
    printJson(io, await client.agent(TARGET).run(required(runId)).resume(decision, { ...(values.reason !== undefined && { reason: values.reason }) }));
    return EXIT.ok;
  },
  async list(client, { values }, io) {
    const status = values.status;
    if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')}, got ${status}`);
    const limit = positiveInt(values.limit, '--limit');
    let cursor = values.cursor;
    const runs = [];
    for (;;) {
      const page = await client.agent(TARGET).runs({ ...(status && { status: status as RunStatus }), ...(limit && { limit }), ...(cursor && { cursor }) });
      if (forPeople(io)) runs.push(...page.data);
      else for (const run of page.data) printJsonLine(io, run);
      cursor = page.next_cursor ?? undefined;
      if (!cursor || !values.all) break;
    }
    if (forPeople(io)) io.stdout.write(runs.length > 0 ? runTable(runs) : 'no runs\n');
    if (cursor) io.stderr.write(`more runs: --cursor ${cursor} (or --all)\n`);
    return EXIT.ok;
  },
};

export const runsCommand: Command = {
  name: 'runs',
  summary: 'durable background runs: submit, get, wait, events, cancel, resume, list',
  usage: USAGE,
  async run(argv, io) {
    const [subcommand, ...rest] = argv;
    const run = subcommand === undefined ? undefined : SUBCOMMANDS[subcommand];
    if (!run) throw new UsageError(subcommand === undefined || subcommand.startsWith('-') ? 'missing subcommand' : `unknown subcommand "${subcommand}"`);
    const { values, positionals } = parseCommandArgs(rest, OPTIONS);
    const [endpoint, runId, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    // `wait` bounds the whole wait with --timeout-ms; the others bound each call.
    const callTimeout = subcommand === 'wait' ? undefined : positiveInt(values['timeout-ms'], '--timeout-ms');
    const client = targetClient(endpoint, values, io, callTimeout);
    try {
      return await run(client, { values, runId }, io);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      return reportFailure(io, error);
    } finally {
      await client.destroy();
    }
  },
};

/**
 * Follows the run's events until it ends (drawing progress on a terminal),
 * then prints its record. Exit 0 only when it succeeded.
 */
async function waitFor(handle: RunHandle, timeoutMs: number | undefined, io: CliIo): Promise<number> {
  const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  let progress = startProgress(await handle.get(), Date.now());
  const line = forPeople(io) && io.stderr.isTTY ? new ProgressLine(io.stderr, (frame) => progressLine(progress, Date.now(), frame)) : undefined;
  try {
    if (progress.status === 'queued' || progress.status === 'running') {
      for await (const event of handle.events(signal ? { signal } : {})) {
        progress = foldEvent(progress, event);
        line?.draw();
      }
    }
  } catch (error) {
    line?.stop();
    if (signal?.aborted && error instanceof AbortError) throw new TimeoutError(`run ${handle.id} did not end within ${timeoutMs} ms`, { runId: handle.id, code: 'wait_timeout' });
    throw error;
  }
  const record = await handle.get();
  progress = { ...progress, status: record.status, attempt: record.attempt, ...(record.error && { errorCode: record.error.code }) };
  line?.stop(finalLine(progress, Date.now()));
  printJson(io, record);
  return record.status === 'succeeded' ? EXIT.ok : EXIT.failed;
}

/** One event as a person reads it: sequence, type, the payload that matters. */
function describeEvent(event: RunEvent): string {
  const head = `#${event.seq} ${event.type}`;
  switch (event.type) {
    case 'run.started':
      return `${head} attempt ${event.attempt}`;
    case 'run.delta':
      return `${head} ${JSON.stringify(event.delta)}`;
    case 'run.tool_call':
      return `${head} ${event.name}(${JSON.stringify(event.arguments)})`;
    case 'run.tool_result':
      return `${head} ${event.name} → ${event.error ?? JSON.stringify(event.result)}`;
    case 'run.progress':
      return `${head} ${JSON.stringify(event.data)}`;
    case 'run.input_required':
      return `${head} approve ${event.awaiting.tool}(${JSON.stringify(event.awaiting.arguments)})? squire runs resume <endpoint> ${event.run_id} --decision approve|reject`;
    case 'run.completed':
      return `${head} ${JSON.stringify(event.result.output)}`;
    case 'run.failed':
      return `${head} ${event.error.code}: ${event.error.detail ?? event.error.title}`;
  }
}

function required(runId: string | undefined): string {
  if (!runId) throw new UsageError('missing <run-id>');
  return runId;
}

function nonNegativeInt(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new UsageError(`${flag} must be a non-negative integer, got ${value}`);
  return number;
}
