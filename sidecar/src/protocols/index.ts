/**
 * @module
 * The protocols a sidecar speaks beside contract v1, chosen by
 * `--protocols`: each a thin facade over the same executor and durable
 * runs. This module only picks and mounts them; each one's implementation
 * loads on its first request.
 */
import type { ProtocolDescriptor } from '@squire/client/contract';
import type { ProtocolName } from '../config.js';
import type { ProtocolDeps, ProtocolMount } from './protocol.js';
import { OPENAI_DESCRIPTOR, openAiProtocol } from './openai/index.js';
import { A2A_DESCRIPTOR, a2aProtocol } from './a2a/index.js';
import { MCP_DESCRIPTOR, mcpProtocol } from './mcp/index.js';

const PROTOCOLS: Record<ProtocolName, { descriptor: ProtocolDescriptor; mount(deps: ProtocolDeps): ProtocolMount }> = {
  mcp: { descriptor: MCP_DESCRIPTOR, mount: mcpProtocol },
  a2a: { descriptor: A2A_DESCRIPTOR, mount: a2aProtocol },
  openai: { descriptor: OPENAI_DESCRIPTOR, mount: openAiProtocol },
};

/** What `GET /v1/agent` says about the enabled protocols. */
export function describeProtocols(enabled: readonly ProtocolName[]): ProtocolDescriptor[] {
  return enabled.map((name) => PROTOCOLS[name].descriptor);
}

export function mountProtocols(enabled: readonly ProtocolName[], deps: ProtocolDeps): ProtocolMount[] {
  return enabled.map((name) => PROTOCOLS[name].mount(deps));
}
