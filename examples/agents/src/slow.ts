/**
 * Slow: sleeps the given number of milliseconds, honouring `ctx.signal`, and
 * reports progress. Tests use it for slots, deadlines, cancel and drain.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defineAgent, lastUserText } from '@squire/sidecar';
import { z } from 'zod';

export default defineAgent({
  name: 'slow',
  version: '1.0.0',
  description: 'Sleeps for `ms` milliseconds, then answers how long it slept.',
  input: z.object({ ms: z.number().int().min(0).max(600_000), steps: z.number().int().min(1).max(100).default(1) }),
  output: z.object({ slept_ms: z.number(), attempt: z.number() }),
  // Chat-shaped callers send the input as JSON text, e.g. {"ms": 500}.
  fromChat: (messages) => JSON.parse(lastUserText(messages)) as { ms: number; steps?: number },
  run: async ({ input, signal, emit, attempt }) => {
    const started = Date.now();
    const step = input.ms / input.steps;
    for (let i = 1; i <= input.steps; i += 1) {
      await sleep(step, undefined, { signal });
      emit({ step: i, of: input.steps });
    }
    return { slept_ms: Date.now() - started, attempt };
  },
});
