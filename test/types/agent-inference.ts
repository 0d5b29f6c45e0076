/**
 * Compile-time checks of type inference from agent definitions: `pnpm
 * typecheck` fails if a wrong input type compiles (each `@ts-expect-error`
 * must be needed) or a right one does not.
 */
import { createClient, type AgentInput, type AgentOutput } from '@squire/client';
import type echoAgent from '@squire/example-agents/echo';
import type slowAgent from '@squire/example-agents/slow';

const client = createClient({ sidecars: { echo: 'http://127.0.0.1:7700', slow: 'unix:/run/squire/slow.sock' } });
const echo = client.agent<typeof echoAgent>('echo');
const slow = client.agent<typeof slowAgent>('slow');

export async function checks(): Promise<void> {
  const result = await echo.invoke({ text: 'hi' });
  const text: string = result.output.text;
  void text;

  // @ts-expect-error: text must be a string
  await echo.invoke({ text: 42 });
  // @ts-expect-error: text is required
  await echo.invoke({});
  // @ts-expect-error: the output has no field "length"
  void (await echo.call({ text: 'x' })).length;

  // `steps` has a default in the schema, so callers may omit it (input side) ...
  const slept = await slow.call({ ms: 10 });
  // ... and the output side is what the agent returns.
  const ms: number = slept.slept_ms;
  void ms;
  // @ts-expect-error: ms must be a number
  await slow.call({ ms: '10' });

  // Untyped handles accept anything and return unknown.
  const anything = await client.agent('echo').call({ whatever: true });
  // @ts-expect-error: unknown output cannot be used without narrowing
  void anything.text;
}

type EchoIn = AgentInput<typeof echoAgent>;
type EchoOut = AgentOutput<typeof echoAgent>;
export const exampleIn: EchoIn = { text: 'a' };
export const exampleOut: EchoOut = { text: 'b' };
