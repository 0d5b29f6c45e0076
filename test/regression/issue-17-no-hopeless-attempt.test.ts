/**
 * Issue 17: the SDK does not start an attempt with less budget than it
 * usually takes. Against a fault server whose calls take ~300 ms, a call
 * that fails with 200 ms left gives up at once with `deadline_exceeded`
 * whose `cause` is that failure; it used to retry into a certain timeout.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, isTimeoutError, type SquireClient, type SquireError } from '@squire/client';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';

let server: FaultServer | undefined;
let client: SquireClient | undefined;
afterEach(async () => {
  await client?.destroy();
  await server?.close();
});

describe('the attempt floor', () => {
  it("starts no retry with less budget left than the endpoint's median latency", async () => {
    server = await startFaultServer({ kind: 'ok', delayMs: 300 });
    client = createClient({ sidecars: { agent: server.url }, backoffBaseMs: 1, backoffMaxMs: 1 });
    const agent = client.agent('agent');
    for (let i = 0; i < 5; i += 1) await agent.invoke({ warm: i });
    const warmed = server.requests.length;
    // Fails retryably after 300 ms of a 500 ms budget: ~200 ms are left, the median is ~300 ms.
    server.script({ kind: 'problem', status: 503, code: 'not_ready', retryable: true, delayMs: 300 });
    const error = await agent.invoke({ late: true }, { timeoutMs: 500 }).then(
      () => undefined,
      (caught: unknown) => caught as SquireError,
    );
    expect(server.requests.length - warmed).toBe(1);
    expect(isTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'deadline_exceeded', attempts: 1, retryable: true });
    expect(error!.cause).toMatchObject({ code: 'not_ready', status: 503 });
    expect(error!.message).toContain('less than another attempt needs');
  });

  it('retries the same failure when the budget left is worth an attempt', async () => {
    server = await startFaultServer({ kind: 'ok' });
    client = createClient({ sidecars: { agent: server.url }, backoffBaseMs: 1, backoffMaxMs: 1 });
    server.script({ kind: 'problem', status: 503, code: 'not_ready', retryable: true });
    await client.agent('agent').invoke({ soon: true }, { timeoutMs: 5000 });
    expect(server.requests).toHaveLength(2);
  });
});
