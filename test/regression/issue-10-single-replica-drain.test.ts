/**
 * Issue 10, item 5: draining the only replica must fail no call the sidecar
 * would have served. With the old defaults (16 connections, 64 in flight)
 * 4 of 20 concurrent calls waited inside the SDK's pool, reached the
 * sidecar only after SIGTERM, and failed. Now the pool follows the
 * in-flight limit, so every admitted call is on the wire at once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '@squire/client';
import { startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http, metricValue } from '../helpers/http.js';

afterAll(stopAllSidecars);

const CALLS = 20;
/** Long enough that SIGTERM comes while the old pool still held 4 calls back. */
const RUN_MS = 6000;

describe('single-replica drain with default SDK options', () => {
  it(`fails 0 of ${CALLS} in-flight calls on SIGTERM`, async () => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--slots', '32', '--grace-ms', '20000'] });
    const client = createClient({ sidecars: { slow: sidecar.url } });
    const running = async () => metricValue((await http(sidecar.url, '/metrics')).text, 'squire_slots_in_use');
    try {
      const calls = Array.from({ length: CALLS }, (_, i) =>
        client
          .agent('slow')
          .invoke({ ms: RUN_MS })
          .then(
            () => 'ok',
            (error: unknown) => `${i}: ${(error as { code?: string }).code}`,
          ),
      );
      // Every call the pool lets out is running within moments; the old pool stopped at 16.
      const until = Date.now() + RUN_MS - 2000;
      while (Date.now() < until && (await running()) < CALLS) await new Promise((resolve) => setTimeout(resolve, 20));
      const reached = await running();
      const exited = sidecar.stop('SIGTERM');
      const outcomes = await Promise.all(calls);
      const failed = outcomes.filter((outcome) => outcome !== 'ok');
      console.log(`single-replica drain: ${reached} of ${CALLS} calls reached the sidecar before SIGTERM; ${failed.length} failed ${JSON.stringify(failed)}`);
      expect(failed).toEqual([]);
      expect(await exited).toBe(0);
    } finally {
      await client.destroy();
    }
  });
});
