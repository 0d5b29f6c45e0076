/**
 * @module
 * Type inference from an agent's own definition. `defineAgent` returns an
 * object holding its zod `input` and `output` schemas, so a type-only import
 * (`typeof import('./agent').default`) is enough: the SDK never depends on
 * the sidecar package at run time.
 */
import type { z } from 'zod';

/** Anything shaped like a defined agent. */
export interface AgentShape {
  input: z.ZodType;
  output: z.ZodType;
}

/** What the caller sends: the input schema's *input* side (defaults may be omitted). */
export type AgentInput<TAgent> = TAgent extends { input: infer I extends z.ZodType } ? z.input<I> : unknown;

/** What the caller gets back: the output schema's *output* side. */
export type AgentOutput<TAgent> = TAgent extends { output: infer O extends z.ZodType } ? z.output<O> : unknown;
