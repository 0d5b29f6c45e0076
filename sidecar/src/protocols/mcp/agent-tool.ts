/**
 * @module
 * The agent as one MCP tool: its name, description, `inputSchema` and
 * `outputSchema` from the agent's own schemas, and a result as
 * `structuredContent` plus a text rendering. MCP's 2025 revisions need
 * object schemas and object structured content, so an agent whose input or
 * output is not an object is wrapped as `{"input": …}` / `{"result": …}`.
 */
import type { AgentDescriptor } from '@squire/client/contract';

type JsonSchema = Record<string, unknown>;

const isObjectSchema = (schema: JsonSchema) => schema.type === 'object';

export interface AgentTool {
  name: string;
  definition: Record<string, unknown>;
  /** The tool's arguments as the agent's input. */
  inputOf(args: Record<string, unknown>): unknown;
  /** The agent's output as a `tools/call` result. */
  resultOf(output: unknown): { content: Array<{ type: 'text'; text: string }>; structuredContent: Record<string, unknown>; isError: false };
}

export function agentTool(descriptor: AgentDescriptor): AgentTool {
  const wrapInput = !isObjectSchema(descriptor.input_schema);
  const wrapOutput = !isObjectSchema(descriptor.output_schema);
  const inputSchema = wrapInput ? { type: 'object', properties: { input: descriptor.input_schema }, required: ['input'] } : descriptor.input_schema;
  const outputSchema = wrapOutput ? { type: 'object', properties: { result: descriptor.output_schema }, required: ['result'] } : descriptor.output_schema;
  return {
    name: descriptor.name,
    definition: {
      name: descriptor.name,
      title: descriptor.name,
      description: descriptor.description || `Squire agent ${descriptor.name}`,
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, openWorldHint: descriptor.capabilities.llm },
    },
    inputOf: (args) => (wrapInput ? args.input : args),
    resultOf: (output) => ({
      content: [{ type: 'text', text: typeof output === 'string' ? output : JSON.stringify(output) }],
      structuredContent: wrapOutput ? { result: output } : (output as Record<string, unknown>),
      isError: false,
    }),
  };
}
