/**
 * @module
 * The MCP facade's mount: `POST /mcp` (streamable HTTP), `GET` and
 * `DELETE` answered 405 (no standalone stream, no sessions to end), errors
 * as JSON-RPC errors, `Origin` checked. The implementation loads on the
 * first request.
 */
import { Hono } from 'hono';
import type { ProtocolDescriptor } from '@squire/client/contract';
import type { SidecarEnv } from '../../app-env.js';
import { lazyHandler, type ProtocolDeps, type ProtocolMount } from '../protocol.js';
import { originCheck } from '../origin-check.js';
import { rpcErrorFromSidecar, rpcErrorResponse } from '../json-rpc.js';
import { SUPPORTED_VERSIONS } from './mcp-versions.js';

export const MCP_PATH = '/mcp';
export const MCP_DESCRIPTOR: ProtocolDescriptor = { name: 'mcp', paths: [MCP_PATH], versions: SUPPORTED_VERSIONS };

export function mcpProtocol(deps: ProtocolDeps): ProtocolMount {
  const routes = new Hono<SidecarEnv>();
  const checkOrigin = originCheck(deps.allowedHosts);
  routes.use(MCP_PATH, (c, next) => (checkOrigin(c), next()));
  routes.post(MCP_PATH, lazyHandler(async () => (await import('./mcp-rpc.js')).mcpHandler(deps)));
  return {
    descriptor: MCP_DESCRIPTOR,
    routes,
    owns: (path) => path === MCP_PATH,
    renderError: (error) => rpcErrorResponse(null, rpcErrorFromSidecar(error)),
    allowedMethods: () => 'POST',
  };
}
