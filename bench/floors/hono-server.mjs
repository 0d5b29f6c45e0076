// Floor: a bare Hono route on @hono/node-server doing what the echo agent's
// invoke does at minimum (parse the JSON body, answer JSON). Prints its address.
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';

// The shape of an invoke result, so the SDK can be measured against this floor too.
const USAGE = { input_tokens: 0, output_tokens: 0, total_tokens: 0, llm_calls: 0 };
const TIMING = { queued_ms: 0, run_ms: 0, total_ms: 0 };
const app = new Hono();
app.get('/readyz', (c) => c.json({ status: 'ready' }));
app.post('/v1/invoke', async (c) => {
  const body = await c.req.json();
  // Like the slow agent, for the fan-out floor: {"input": {"ms": 20}} waits 20 ms.
  if (typeof body.input?.ms === 'number') await sleep(body.input.ms);
  return c.json({ run_id: 'run_floor', status: 'succeeded', output: body.input, usage: USAGE, timing: TIMING });
});
const socket = process.env.FLOOR_SOCKET;
const server = serve({ fetch: app.fetch, port: socket ? undefined : 0, hostname: '127.0.0.1' }, () => undefined);
if (socket) server.listen(socket);
server.on('listening', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ msg: 'listening', address: typeof address === 'string' ? `unix:${address}` : `http://127.0.0.1:${address.port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
