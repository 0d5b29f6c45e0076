/**
 * Swapping sidecars without touching the host app, against real processes:
 * a blue/green cut-over under load (the old sidecar gets SIGTERM mid-traffic,
 * no call fails), then a canary of a bad release that the client rolls back
 * on its own.
 *
 *   npx -y pnpm@10 build && npx -y pnpm@10 --filter @squire/example-swap start
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@squire/client';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const children = new Set<ChildProcess>();

/** Starts `squire-sidecar` with an agent on a free loopback port. */
function sidecar(agent: string): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [join(root, 'sidecar/dist/main.js'), '--agent', join(root, agent), '--port', '0', '--data-dir', join(root, '.squire-data', `swap-${Date.now()}-${Math.random()}`)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const address = /"address":"([^"]+)"/.exec(output)?.[1];
      if (address) {
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({
          url: address,
          stop: () =>
            new Promise((done) => {
              child.once('exit', (code) => {
                children.delete(child);
                done(code);
              });
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`${agent} exited with ${code}`)));
  });
}

async function load(call: () => Promise<unknown>, perSecond: number, ms: number) {
  let ok = 0;
  let failed = 0;
  const calls: Array<Promise<void>> = [];
  for (let i = 0; i < (perSecond * ms) / 1000; i += 1) {
    calls.push(call().then(() => void (ok += 1), () => void (failed += 1)));
    await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
  }
  await Promise.all(calls);
  return { ok, failed };
}

try {
  console.log('— blue/green —');
  const blue = await sidecar('examples/agents/src/echo.ts');
  const client = createClient({ sidecars: { echo: blue.url }, timeoutMs: 5000 });
  const echo = client.agent('echo');
  const traffic = load(() => echo.invoke({ text: 'hello' }), 200, 3000);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const green = await sidecar('test/fixtures/agents/echo-v2.ts');
  await client.cutover('echo', green.url);
  console.log(`cut over to ${green.url} (v${(await client.describe('echo')).version}); stopping blue:`, await blue.stop());
  console.log('calls during the swap:', await traffic);

  console.log('— canary of a bad release —');
  const flaky = await sidecar('test/fixtures/agents/echo-flaky.ts');
  client.on('rollout', (event) => console.log(`rollout ${event.state}${event.state === 'step' ? ` → ${event.percent} %` : ''}${event.reason ? `: ${event.reason}` : ''}`));
  const canaryTraffic = load(() => echo.invoke({ text: 'canary?' }, { maxRetries: 0 }), 200, 4000);
  const outcome = await client.rollout('echo', { canary: flaky.url, steps: [5, 25, 50, 100], stepMs: 1000, rollbackOn: { errorRate: 0.01, minCalls: 10 } }).done;
  console.log('rollout outcome:', outcome);
  console.log('calls during the canary:', await canaryTraffic, 'endpoints now:', client.stats().echo!.endpoints.map((endpoint) => `${endpoint.url} (w ${endpoint.weight})`));
  await client.close();
  await Promise.all([green.stop(), flaky.stop()]);
} finally {
  for (const child of children) child.kill('SIGKILL');
}
