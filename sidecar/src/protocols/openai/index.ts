/**
 * @module
 * The OpenAI-compatible facade's mount: `POST /v1/chat/completions`,
 * `GET /v1/models` and `GET /v1/models/{model}`, errors in OpenAI's shape.
 * The implementation loads on the first request.
 */
import { Hono } from 'hono';
import type { ProtocolDescriptor } from '@squire/client/contract';
import type { SidecarEnv } from '../../app-env.js';
import { lazyHandler, type ProtocolDeps, type ProtocolMount } from '../protocol.js';
import { originCheck } from '../origin-check.js';
import { openAiErrorResponse } from './openai-errors.js';

export const OPENAI_DESCRIPTOR: ProtocolDescriptor = { name: 'openai', paths: ['/v1/chat/completions', '/v1/models'], versions: ['v1'] };

export function openAiProtocol(deps: ProtocolDeps): ProtocolMount {
  const routes = new Hono<SidecarEnv>();
  const checkOrigin = originCheck(deps.allowedHosts);
  routes.use('/v1/chat/*', (c, next) => (checkOrigin(c), next()));
  routes.use('/v1/models', (c, next) => (checkOrigin(c), next()));
  routes.use('/v1/models/*', (c, next) => (checkOrigin(c), next()));
  const load = () => import('./chat-completions.js');
  routes.post('/v1/chat/completions', lazyHandler(async () => (await load()).chatCompletionsHandler(deps)));
  routes.get('/v1/models', lazyHandler(async () => (await load()).modelsHandler(deps).list));
  routes.get('/v1/models/:model', lazyHandler(async () => (await load()).modelsHandler(deps).get));
  return {
    descriptor: OPENAI_DESCRIPTOR,
    routes,
    owns: (path) => path === '/v1/chat/completions' || path === '/v1/models' || path.startsWith('/v1/models/'),
    renderError: (error) => openAiErrorResponse(error),
    allowedMethods: (path) => (path === '/v1/chat/completions' ? 'POST' : 'GET'),
  };
}
