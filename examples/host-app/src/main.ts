/**
 * A host application calling two agent sidecars through the SDK: a typed
 * call, a streamed run, a fan-out, and errors handled by class.
 *
 *   node sidecar/dist/main.js --agent examples/agents/src/echo.ts --port 7701 &
 *   node sidecar/dist/main.js --agent examples/agents/src/slow.ts --socket /tmp/slow.sock &
 *   ECHO_URL=http://127.0.0.1:7701 SLOW_URL=unix:/tmp/slow.sock npx -y pnpm@10 --filter @squire/example-host-app start
 *
 * Environment: ECHO_URL, SLOW_URL, and the echo sidecar's token in
 * SQUIRE_TOKEN or a file named by SQUIRE_TOKEN_FILE (deploy/docker-compose.yml
 * sets these).
 */
import { readFileSync } from 'node:fs';
import { createClient, isInvalidInputError, isSquireError, isTimeoutError } from '@squire/client';
import type echoAgent from '@squire/example-agents/echo';
import type slowAgent from '@squire/example-agents/slow';

const token = process.env.SQUIRE_TOKEN_FILE ? readFileSync(process.env.SQUIRE_TOKEN_FILE, 'utf8').trim() : process.env.SQUIRE_TOKEN;

const client = createClient({
  sidecars: {
    echo: { url: process.env.ECHO_URL ?? 'http://127.0.0.1:7701', ...(token && { token }) },
    slow: { url: process.env.SLOW_URL ?? 'unix:/tmp/slow.sock', maxInFlight: 16 },
  },
  timeoutMs: 5_000,
});
client.on('retry', (event) => console.warn(`retrying ${event.sidecar} (attempt ${event.attempt}, ${event.error.code}) in ${event.delayMs} ms`));

const echo = client.agent<typeof echoAgent>('echo');
const slow = client.agent<typeof slowAgent>('slow');

try {
  // Typed from the agent's own schemas: a wrong input does not compile.
  const { output, timing } = await echo.invoke({ text: 'hello from the host app' });
  console.log('echo said:', output.text, `(${timing.total_ms} ms in the sidecar)`);

  for await (const event of slow.stream({ ms: 300, steps: 3 })) {
    console.log('slow event:', event.type, event.type === 'run.progress' ? event.data : '');
  }

  const fan = await client.fanOut(
    [
      { agent: 'echo', input: { text: 'a' } },
      { agent: 'slow', input: { ms: 20 } },
    ],
    { strategy: 'all', timeoutMs: 2_000 },
  );
  console.log('fan-out ok:', fan.ok, fan.results.map((branch) => branch.status));

  await slow.invoke({ ms: 10_000 }, { timeoutMs: 500, maxRetries: 0 });
} catch (error) {
  if (isTimeoutError(error)) console.log(`timed out as asked (${error.phase}, ${error.code}) after ${error.attempts} attempt(s)`);
  else if (isInvalidInputError(error)) console.error('bad input:', error.issues);
  else if (isSquireError(error)) console.error(`${error.sidecar}: ${error.code}: ${error.message}`);
  else throw error;
} finally {
  console.log(JSON.stringify(client.stats(), null, 2));
  await client.close();
}
