/**
 * @module
 * The A2A 1.0 agent card at `/.well-known/agent-card.json`, from the
 * descriptor: one skill (the agent), the JSON-RPC binding's URL on the
 * address the caller used, the bearer scheme when the sidecar has a token,
 * and the capabilities as they are — streaming yes, push notifications and
 * an extended card no. Served without a token (a client reads it to learn
 * how to authenticate), with `Cache-Control` and an `ETag`.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { AgentDescriptor } from '@squire/client/contract';
import type { SidecarEnv } from '../../app-env.js';
import { requestHeader } from '../../http/headers.js';

export const A2A_VERSION = '1.0';
export const A2A_RPC_PATH = '/a2a';
export const AGENT_CARD_PATH = '/.well-known/agent-card.json';

export interface CardOptions {
  descriptor: AgentDescriptor;
  /** Whether calls need `Authorization: Bearer`. */
  bearer: boolean;
  /** Whether a text message maps onto the input (the agent declares `fromChat`, or is an LLM agent whose input takes text). */
  acceptsText: boolean;
}

export function agentCard(options: CardOptions, baseUrl: string) {
  const { descriptor } = options;
  const output = descriptor.output_schema.type === 'string' ? 'text/plain' : 'application/json';
  const inputModes = options.acceptsText ? ['application/json', 'text/plain'] : ['application/json'];
  return {
    name: descriptor.name,
    description: descriptor.description || `Squire agent ${descriptor.name}`,
    supportedInterfaces: [{ url: `${baseUrl}${A2A_RPC_PATH}`, protocolBinding: 'JSONRPC', protocolVersion: A2A_VERSION }],
    version: descriptor.version,
    capabilities: { streaming: true, pushNotifications: false, extendedAgentCard: false },
    ...(options.bearer && {
      securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: 'Bearer', description: "The sidecar's token (--token)" } } },
      securityRequirements: [{ schemes: { bearer: { list: [] } } }],
    }),
    defaultInputModes: inputModes,
    defaultOutputModes: [output],
    skills: [
      {
        id: descriptor.name,
        name: descriptor.name,
        description: `${descriptor.description || descriptor.name} Input: a data part matching ${JSON.stringify(descriptor.input_schema)}${options.acceptsText ? ', or a text message' : ''}.`,
        tags: ['squire', descriptor.capabilities.llm ? 'llm' : 'code', ...descriptor.capabilities.tools],
        inputModes,
        outputModes: [output],
      },
    ],
  };
}

/** The origin the caller reached us on: the A2A binding URL in the card must be one it can use. */
export function baseUrlOf(c: Context<SidecarEnv>): string {
  const proto = requestHeader(c, 'x-forwarded-proto')?.split(',')[0]?.trim() === 'https' ? 'https' : 'http';
  return `${proto}://${requestHeader(c, 'host') ?? 'localhost'}`;
}

export function cardResponse(card: unknown): Response {
  const body = JSON.stringify(card);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return new Response(body, { headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', etag } });
}
