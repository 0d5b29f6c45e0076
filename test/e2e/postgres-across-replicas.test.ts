/**
 * What a caller sees when a load balancer spreads its calls over replicas
 * sharing one PostgreSQL store: a session continued through another replica
 * keeps its whole history, and two calls on one session never run at once;
 * a run's events followed on a replica that does not execute it arrive
 * live and complete; the same Idempotency-Key with another body is refused
 * on any replica; the URL's password appears in no log line.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionSchema } from '@squire/client/contract';
import { startOpenAiTestServer, type OpenAiTestServer } from '@squire/sidecar/testing';
import { REPO_ROOT, agentPath, runSidecarOnce, startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';
import { storedRunEvents } from '../helpers/run-events.js';
import { TEST_PASSWORD, startPostgresServer, type PostgresServer } from '../helpers/postgres.js';

const COUNTING = join(REPO_ROOT, 'test/fixtures/agents/counting.ts');

let server: PostgresServer;
let model: OpenAiTestServer;
beforeAll(async () => {
  [server, model] = await Promise.all([
    startPostgresServer(),
    startOpenAiTestServer({ fallback: { kind: 'text', content: JSON.stringify({ answer: 'noted', city: null, temperature_c: null }) } }),
  ]);
});
afterAll(async () => {
  await stopAllSidecars();
  await Promise.all([server?.destroy(), model?.close()]);
});

const ask = (url: string, question: string, sessionId: string) =>
  http(url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { question }, session_id: sessionId }) });

describe('replicas on one PostgreSQL store', () => {
  it('continues a session through another replica with its whole history, one call at a time across replicas', async () => {
    const store = await server.createDatabase();
    const env = { OPENAI_BASE_URL: model.baseURL, SQUIRE_STORE_URL: store };
    const [a, b] = await Promise.all([startSidecar({ agent: 'assistant', env }), startSidecar({ agent: 'assistant', env })]);
    model.requests.length = 0;
    expect((await ask(a.url, 'my name is Ada', 's-1')).status).toBe(200);
    expect((await ask(b.url, 'what is my name?', 's-1')).status).toBe(200);
    expect((await ask(a.url, 'and again?', 's-1')).status).toBe(200);
    const userTurns = model.requests[2]!.body.messages.filter((message) => message.role === 'user').map((message) => message.content);
    expect(userTurns).toEqual(['my name is Ada', 'what is my name?', 'and again?']);

    // Ten calls on one session, spread over both replicas at once: each turn whole, none interleaved.
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(i % 2 === 0 ? a.url : b.url, `parallel ${i}`, 's-1')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    const fromB = SessionSchema.parse((await http(b.url, '/v1/sessions/s-1')).json);
    const fromA = SessionSchema.parse((await http(a.url, '/v1/sessions/s-1')).json);
    expect(fromA).toEqual(fromB);
    expect(fromB.messages.map((message) => message.role)).toEqual(Array.from({ length: 13 }, () => ['user', 'assistant']).flat());
    expect(new Set(fromB.messages.filter((message) => message.role === 'user').map((message) => message.content)).size).toBe(13);
    expect((await http(b.url, '/v1/sessions/s-1', { method: 'DELETE' })).status).toBe(204);
    expect((await http(a.url, '/v1/sessions/s-1')).json.code).toBe('not_found');
    await Promise.all([a.stop(), b.stop()]);
  });

  it('follows a run’s events live on a replica that does not execute it', async () => {
    const store = await server.createDatabase();
    const env = { SQUIRE_STORE_URL: store };
    const [worker, follower] = await Promise.all([startSidecar({ agent: COUNTING, env }), startSidecar({ agent: COUNTING, env, args: ['--slots', '1'] })]);
    // The follower's one slot is busy with a sync call, so the worker claims the run.
    const busy = http(follower.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { ms: 4000 } }) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const submitted = await http(worker.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { ms: 1500, tag: 'followed' } }) });
    expect(submitted.status).toBe(202);
    const runId = submitted.json.run_id as string;
    await expect.poll(async () => (await http(follower.url, `/v1/runs/${runId}`)).json.status, { timeout: 5000, interval: 20 }).toBe('running');
    const events = await storedRunEvents(follower.url, runId);
    expect(events.map((event) => `${event.id}:${event.event}`)).toEqual(['1:run.started', '2:run.progress', '3:run.progress', '4:run.completed']);
    expect(events[3]!.data).toMatchObject({ result: { output: { tag: 'followed', attempt: 1 } } });
    expect((await busy).status).toBe(200);
    await Promise.all([worker.stop(), follower.stop()]);
  });

  it('refuses a reused Idempotency-Key with another body on every replica, and never logs the password', async () => {
    const store = await server.createDatabase();
    expect(store).toContain(TEST_PASSWORD);
    const env = { SQUIRE_STORE_URL: store };
    const [a, b] = await Promise.all([startSidecar({ agent: COUNTING, env }), startSidecar({ agent: COUNTING, env })]);
    const post = (url: string, tag: string) =>
      http(url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'shared-key' }, body: JSON.stringify({ input: { tag } }) });
    const [first, second] = await Promise.all([post(a.url, 'one'), post(b.url, 'two')]);
    expect([first.status, second.status].sort()).toEqual([202, 422]);
    expect([first, second].find((answer) => answer.status === 422)!.json.code).toBe('idempotency_key_reused');
    const again = await post(b.url, first.status === 202 ? 'one' : 'two');
    expect(again.status).toBe(202);
    expect(again.json.run_id).toBe((first.status === 202 ? first : second).json.run_id);
    await Promise.all([a.stop(), b.stop()]);
    const logs = a.logs() + b.logs();
    expect(logs).toContain('"store":"postgres://postgres:***@127.0.0.1');
    expect(logs).not.toContain(TEST_PASSWORD);
  });

  it('refuses to start on an unreachable database or on another agent’s, exit 2, naming the database without its password', async () => {
    const unreachable = await runSidecarOnce(['--agent', COUNTING, '--port', '0', '--store', 'postgres://squire:hunter2-secret@127.0.0.1:1/squire']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain('--store (SQUIRE_STORE_URL): cannot open the database postgres://squire:***@127.0.0.1:1/squire');
    expect(unreachable.stderr + unreachable.stdout).not.toContain('hunter2-secret');

    const store = await server.createDatabase();
    const owner = await startSidecar({ agent: COUNTING, env: { SQUIRE_STORE_URL: store } });
    await owner.stop();
    const other = await runSidecarOnce(['--agent', agentPath('echo'), '--port', '0', '--store', store]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('holds the state of agent "counting" (version 1.0.0), not of "echo"');
    expect(other.stderr).not.toContain(TEST_PASSWORD);
  });
});
