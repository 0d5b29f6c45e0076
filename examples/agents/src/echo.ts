/**
 * Echo: answers with its input. No model, no I/O: the agent tests and
 * benchmarks use to measure the sidecar itself.
 */
import { defineAgent, lastUserText } from '@squire/sidecar';
import { z } from 'zod';

export default defineAgent({
  name: 'echo',
  version: '1.0.0',
  description: 'Returns its input text unchanged.',
  input: z.object({ text: z.string().max(100_000) }),
  output: z.object({ text: z.string() }),
  // Chat-shaped callers (OpenAI chat completions, A2A text): the last user message is the text.
  fromChat: (messages) => ({ text: lastUserText(messages) }),
  run: ({ input }) => ({ text: input.text }),
});
