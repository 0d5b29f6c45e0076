/**
 * @module
 * The A2A facade's mount: the agent card (public) and the JSON-RPC binding
 * at `/a2a`, errors as JSON-RPC errors. The binding loads on its first
 * request; the card is small and built per request from the caller's Host.
 */
import { Hono } from 'hono';
import type { ProtocolDescriptor } from '@squire/client/contract';
import type { SidecarEnv } from '../../app-env.js';
import { isLlmAgent } from '../../agent/define-agent.js';
import { lazyHandler, type ProtocolDeps, type ProtocolMount } from '../protocol.js';
import { originCheck } from '../origin-check.js';
import { rpcErrorResponse } from '../json-rpc.js';
import { a2aErrorFromSidecar } from './a2a-errors.js';
import { A2A_RPC_PATH, A2A_VERSION, AGENT_CARD_PATH, agentCard, baseUrlOf, cardResponse } from './agent-card.js';

export const A2A_DESCRIPTOR: ProtocolDescriptor = { name: 'a2a', paths: [AGENT_CARD_PATH, A2A_RPC_PATH], versions: [A2A_VERSION] };

export function a2aProtocol(deps: ProtocolDeps): ProtocolMount {
  const routes = new Hono<SidecarEnv>();
  const checkOrigin = originCheck(deps.allowedHosts);
  const acceptsText = deps.agent.fromChat !== undefined || (isLlmAgent(deps.agent) && deps.agent.input.safeParse('text').success);
  routes.get(AGENT_CARD_PATH, (c) => cardResponse(agentCard({ descriptor: deps.descriptor, bearer: deps.bearer, acceptsText }, baseUrlOf(c))));
  routes.use(A2A_RPC_PATH, (c, next) => (checkOrigin(c), next()));
  routes.post(A2A_RPC_PATH, lazyHandler(async () => (await import('./a2a-rpc.js')).a2aRpcHandler(deps)));
  return {
    descriptor: A2A_DESCRIPTOR,
    routes,
    owns: (path) => path === A2A_RPC_PATH || path === AGENT_CARD_PATH,
    renderError: (error, c) => (c.req.path === A2A_RPC_PATH ? rpcErrorResponse(null, a2aErrorFromSidecar(error)) : cardError(error)),
    publicPaths: [AGENT_CARD_PATH],
    allowedMethods: (path) => (path === A2A_RPC_PATH ? 'POST' : 'GET'),
  };
}

/** The card is a plain JSON document: its errors are plain JSON too. */
function cardError(error: { status: number; code: string; message: string }): Response {
  return new Response(JSON.stringify({ error: { code: error.code, message: error.message } }), { status: error.status, headers: { 'content-type': 'application/json' } });
}
