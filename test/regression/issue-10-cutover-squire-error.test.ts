/**
 * Issue 10, "also": `cutover()` rejected with a plain `Error` (no `code`)
 * when the new replica never became ready. Swap failures are Squire errors,
 * and traffic stays where it was.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createClient, isSquireConfigError, isSwapError } from '@squire/client';
import { startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';

afterAll(stopAllSidecars);

describe('cutover', () => {
  it('rejects with SwapError replica_not_ready when the new replica never answers, and keeps the traffic', async () => {
    const blue = await startSidecar({ agent: 'echo' });
    const client = createClient({ sidecars: { echo: blue.url } });
    try {
      const nowhere = 'http://127.0.0.1:9';
      const error = await client.cutover('echo', nowhere, { readyTimeoutMs: 300 }).catch((caught: unknown) => caught);
      expect(isSwapError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'replica_not_ready', phase: 'swap', sidecar: 'echo', endpoint: nowhere });
      expect(client.stats().echo!.endpoints.map((endpoint) => endpoint.url)).toEqual([blue.url]);
      await expect(client.agent('echo').invoke({ text: 'still here' })).resolves.toMatchObject({ output: { text: 'still here' } });
      const invalid = await client.cutover('echo', 'ftp://nowhere').catch((caught: unknown) => caught);
      expect(isSquireConfigError(invalid)).toBe(true);
    } finally {
      await client.close();
    }
  });
});
