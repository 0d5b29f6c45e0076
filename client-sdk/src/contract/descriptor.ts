/**
 * @module
 * `GET /v1/agent`: what a sidecar hosts and how much it takes.
 */
import { z } from 'zod';
import { CONTRACT_VERSION } from './headers.js';

export const AgentLimitsSchema = z.object({
  slots: z.number().int().positive(),
  queue_max: z.number().int().nonnegative(),
  max_body_bytes: z.number().int().positive(),
  default_timeout_ms: z.number().int().positive(),
  max_timeout_ms: z.number().int().positive(),
});
export type AgentLimits = z.infer<typeof AgentLimitsSchema>;

export const ModelProviderSchema = z.object({
  /** `offline` when the built-in deterministic model answers, `openai-compatible` otherwise. */
  kind: z.enum(['offline', 'openai-compatible', 'none']),
  model: z.string().nullable(),
  base_url: z.string().nullable(),
});
export type ModelProvider = z.infer<typeof ModelProviderSchema>;

/** A protocol the sidecar speaks beside contract v1 (MCP, A2A, OpenAI chat completions). */
export const ProtocolDescriptorSchema = z.object({
  name: z.enum(['mcp', 'a2a', 'openai']),
  /** Paths it answers on, e.g. `/mcp`. */
  paths: z.array(z.string()),
  /** Protocol revisions served, newest first. */
  versions: z.array(z.string()),
});
export type ProtocolDescriptor = z.infer<typeof ProtocolDescriptorSchema>;

export const AgentDescriptorSchema = z.object({
  contract: z.literal(CONTRACT_VERSION),
  name: z.string(),
  version: z.string(),
  description: z.string(),
  input_schema: z.record(z.string(), z.unknown()),
  output_schema: z.record(z.string(), z.unknown()),
  capabilities: z.object({
    streaming: z.boolean(),
    background_runs: z.boolean(),
    sessions: z.boolean(),
    idempotency: z.boolean(),
    llm: z.boolean(),
    tools: z.array(z.string()),
  }),
  limits: AgentLimitsSchema,
  model_provider: ModelProviderSchema,
  /** Absent from sidecars that predate the protocols. */
  protocols: z.array(ProtocolDescriptorSchema).optional(),
  sidecar: z.object({ version: z.string(), node: z.string() }),
});
export type AgentDescriptor = z.infer<typeof AgentDescriptorSchema>;
