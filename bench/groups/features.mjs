// Benchmarks 7, 9 and 10: streaming, session memory, and tracing.
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@squire/client';
import { startOpenAiTestServer } from '@squire/sidecar/testing';
import OpenAI from 'openai';
import { sidecarArgs } from '../lib/processes.mjs';
import { endpointPool, rawInvoke, sequentialLatency, summary } from '../lib/measure.mjs';
import { ROUNDS, record, withServer } from '../lib/report.mjs';

export async function streamingBench() {
  // One model call per run (no tool fits the question), streamed in 8 chunks.
  const content = JSON.stringify({ answer: 'a streamed answer of a few words', city: null, temperature_c: null });
  const model = await startOpenAiTestServer({ fallback: { kind: 'text', content, chunks: 8 }, chunkDelayMs: 1 });
  try {
    const direct = new OpenAI({ baseURL: model.baseURL, apiKey: 'bench', maxRetries: 0 });
    const firstChunk = async () => {
      const started = performance.now();
      const stream = await direct.chat.completions.create({ model: 'bench', stream: true, messages: [{ role: 'user', content: 'hello' }] });
      let first;
      for await (const chunk of stream) if (first === undefined && chunk.choices[0]?.delta.content) first = performance.now() - started;
      return first;
    };
    const subject = [];
    const floor = [];
    await withServer(sidecarArgs('assistant'), { env: { OPENAI_BASE_URL: model.baseURL } }, async (s) => {
      const client = createClient({ sidecars: { assistant: s.address } });
      const agent = client.agent('assistant');
      const firstDelta = async () => {
        const started = performance.now();
        let first;
        for await (const event of agent.stream({ question: 'hello' })) if (first === undefined && event.type === 'run.delta') first = performance.now() - started;
        return first;
      };
      for (let i = 0; i < 30; i += 1) {
        await firstChunk();
        await firstDelta();
      }
      for (let round = 0; round < ROUNDS; round += 1) {
        const a = [];
        const b = [];
        for (let i = 0; i < 100; i += 1) {
          b.push(await firstChunk());
          a.push(await firstDelta());
        }
        subject.push(summary(a).median);
        floor.push(summary(b).median);
      }
      await client.close();
    });
    record('7. streaming', 'time to first delta via SDK → sidecar vs openai SDK → model server', 'ms', subject, floor);
    record('7. streaming', 'added by the sidecar at p50', 'ms', subject.map((value, i) => value - floor[i]), undefined, { label: '≤ 2 ms', value: 2 }, 'lower');
  } finally {
    await model.close();
  }
}

export async function sessionBench() {
  // In-process: the session store's own append and window load, against the
  // same SQL through raw better-sqlite3 (same pragmas) as the floor.
  const { openSqliteStore } = await import('../../sidecar/dist/store/sqlite/index.js');
  const { Sessions } = await import('../../sidecar/dist/session/sessions.js');
  const { default: Database } = await import('better-sqlite3');
  const { default: pino } = await import('pino');
  const turn = (i) => [
    { role: 'user', content: `question ${i}: ${'what is the weather like today? '.repeat(4)}` },
    { role: 'assistant', content: `answer ${i}: ${'it is sunny and mild with a light breeze. '.repeat(4)}` },
  ];
  const perOp = async (count, op) => {
    const started = performance.now();
    for (let i = 0; i < count; i += 1) await op(i);
    return ((performance.now() - started) * 1000) / count;
  };
  const append = { squire: [], floor: [] };
  const load = { squire: [], floor: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'squire-bench-sessions-'));
    try {
      const backing = openSqliteStore({ dataDir: dir, agent: { name: 'bench', version: '0.0.0' } });
      const store = new Sessions(backing.sessions, { maxMessages: 50, maxTokens: 8000, ttlMs: 86_400_000, log: pino({ level: 'silent' }) });
      const signal = new AbortController().signal;
      const held = await store.open('bench-session', { signal });
      append.squire.push(await perOp(1000, (i) => held.append(...turn(i))));
      held.release();
      load.squire.push(
        await perOp(1000, async () => {
          const session = await store.open('bench-session', { signal });
          await session.messages();
          session.release();
        }),
      );
      store.close();
      await backing.close();

      const db = new Database(join(dir, 'floor.db'));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec('CREATE TABLE m (session_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, PRIMARY KEY (session_id, seq))');
      const insert = db.prepare('INSERT INTO m VALUES (?, ?, ?, ?)');
      const insertTurn = db.transaction((i) => turn(i).forEach((message, k) => insert.run('bench-session', 2 * i + k, message.role, message.content)));
      append.floor.push(await perOp(1000, insertTurn));
      const window = db.prepare('SELECT role, content FROM m WHERE session_id = ? ORDER BY seq DESC LIMIT 50');
      load.floor.push(await perOp(1000, () => window.all('bench-session')));
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  record('9. sessions', 'append a turn (2 messages) vs the same insert in raw better-sqlite3', 'µs', append.squire, append.floor);
  record('9. sessions', 'load the window (last 50 of 2,000 messages) vs the same select', 'µs', load.squire, load.floor);
}

export async function tracingBench() {
  // The same sidecar with tracing off (no OTEL_* set: the SDK is never loaded)
  // and on (OTLP/HTTP protobuf to a sink in this process that answers 200),
  // alternating within each round. With SIDECAR_BASELINE=<other build's
  // sidecar/dist/main.js> the other build (tracing off) joins each round, to
  // show what the tracing hooks cost when tracing is off.
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${sink.address().port}`;
  const on = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
  const off = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_TRACES_EXPORTER: '' };
  const baseline = process.env.SIDECAR_BASELINE;
  const llmBody = JSON.stringify({ input: { question: 'What is the weather in Paris?' } });
  const series = { echoOff: [], echoOn: [], echoBase: [], llmOff: [], llmOn: [], llmBase: [] };
  const measure = (bin, agent, env) =>
    withServer([bin, ...sidecarArgs(agent).slice(1)], { env }, async (s) => {
      const pool = endpointPool(s.address, 1);
      try {
        const call = agent === 'assistant' ? () => rawInvoke(pool, {}, llmBody) : () => rawInvoke(pool);
        return (await sequentialLatency(call, agent === 'assistant' ? { count: 1000, warmup: 200 } : undefined)).p50;
      } finally {
        await pool.destroy();
      }
    });
  const current = sidecarArgs('echo')[0];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const runs = [
        async () => series.echoOff.push(await measure(current, 'echo', off)),
        async () => series.echoOn.push(await measure(current, 'echo', on)),
        async () => series.llmOff.push(await measure(current, 'assistant', off)),
        async () => series.llmOn.push(await measure(current, 'assistant', on)),
        ...(baseline ? [async () => series.echoBase.push(await measure(baseline, 'echo', off)), async () => series.llmBase.push(await measure(baseline, 'assistant', off))] : []),
      ];
      for (const run of round % 2 === 0 ? runs : runs.reverse()) await run();
    }
  } finally {
    await new Promise((resolve) => sink.close(resolve));
  }
  const group = '10. tracing';
  record(group, 'echo invoke p50: tracing on vs off', 'µs', series.echoOn, series.echoOff);
  record(group, 'LLM run with a tool (offline model: 2 chat + 1 tool span) p50: tracing on vs off', 'µs', series.llmOn, series.llmOff);
  if (baseline) {
    record(group, 'echo invoke p50: tracing off vs the baseline build', 'µs', series.echoOff, series.echoBase, { label: 'within noise', value: 1.05 }, 'lower');
    record(group, 'LLM run p50: tracing off vs the baseline build', 'µs', series.llmOff, series.llmBase, { label: 'within noise', value: 1.05 }, 'lower');
  }
}
