/**
 * @module
 * Type inference from an agent's own definition. `defineAgent` returns an
 * object holding its zod `input` and `output` schemas, so a type-only import
 * (`typeof import('./agent').default`) is enough: the SDK never depends on
 * the sidecar package at run time. For a sidecar built elsewhere, `squire
 * types <endpoint>` writes plain `{ input: …; output: … }` types from its
 * descriptor, and those work here too.
 */
import type { z } from 'zod';

/** Anything shaped like a defined agent. */
export interface AgentShape {
  input: z.ZodType;
  output: z.ZodType;
}

/** What the caller sends: the input schema's *input* side (defaults may be omitted), or a generated plain type. */
export type AgentInput<TAgent> = TAgent extends { input: infer I } ? (I extends z.ZodType ? z.input<I> : I) : unknown;

/** What the caller gets back: the output schema's *output* side, or a generated plain type. */
export type AgentOutput<TAgent> = TAgent extends { output: infer O } ? (O extends z.ZodType ? z.output<O> : O) : unknown;
