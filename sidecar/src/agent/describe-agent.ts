/**
 * @module
 * The descriptor of `GET /v1/agent`, computed once at start-up from the
 * agent's zod schemas, and the OpenAPI document, built from the
 * descriptor's JSON Schemas when it is first asked for.
 */
import { CONTRACT_VERSION, buildOpenApiDocument, type AgentDescriptor, type AgentLimits, type ModelProvider, type ProtocolDescriptor } from '@squire/client/contract';
import { isLlmAgent, type AgentDefinition } from './define-agent.js';
import { SIDECAR_VERSION } from '../version.js';
import { toJsonSchema } from './json-schema.js';

export function agentJsonSchemas(agent: AgentDefinition): { input: Record<string, unknown>; output: Record<string, unknown> } {
  return { input: toJsonSchema(agent.input, 'input'), output: toJsonSchema(agent.output, 'output') };
}

export function describeAgent(agent: AgentDefinition, limits: AgentLimits, provider: ModelProvider, features: { backgroundRuns: boolean; sessions: boolean; protocols?: ProtocolDescriptor[] }): AgentDescriptor {
  const schemas = agentJsonSchemas(agent);
  const llm = isLlmAgent(agent);
  return {
    contract: CONTRACT_VERSION,
    name: agent.name,
    version: agent.version,
    description: agent.description ?? '',
    input_schema: schemas.input,
    output_schema: schemas.output,
    capabilities: {
      streaming: true,
      background_runs: features.backgroundRuns,
      sessions: features.sessions,
      idempotency: features.backgroundRuns,
      llm,
      tools: llm ? Object.keys(agent.tools ?? {}) : [],
    },
    limits,
    model_provider: provider,
    ...(features.protocols && { protocols: features.protocols }),
    sidecar: { version: SIDECAR_VERSION, node: process.version },
  };
}

export function agentOpenApi(agent: AgentDefinition, descriptor: Pick<AgentDescriptor, 'input_schema' | 'output_schema'>): Record<string, unknown> {
  return buildOpenApiDocument({
    title: `Squire agent ${agent.name}`,
    version: agent.version,
    description: agent.description ?? '',
    inputSchema: descriptor.input_schema,
    outputSchema: descriptor.output_schema,
  });
}
