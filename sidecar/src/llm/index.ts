/**
 * @module
 * Picks the model backend from the config: an OpenAI-compatible endpoint when
 * `OPENAI_BASE_URL` is set, else the built-in offline model (and says so).
 */
import type { Logger } from 'pino';
import type { SidecarConfig } from '../config.js';
import { providerFromBackend } from './chat-backend.js';
import type { LlmProvider } from './llm-client.js';
import { OFFLINE_MODEL, OfflineBackend } from './offline-model.js';
import type { ChatBackend } from './chat-backend.js';
import type { OpenAiBackendOptions } from './openai-backend.js';

export { runLlmAgent } from './llm-agent.js';

/** The model asked for when neither `--model` nor the agent names one. */
export const FALLBACK_MODEL = 'gpt-4o-mini';

export function createLlmProvider(config: SidecarConfig, log: Logger, hooks: { onRetry?: () => void } = {}): LlmProvider {
  if (!config.openaiBaseUrl) {
    log.info({ model: OFFLINE_MODEL }, 'no OPENAI_BASE_URL set: LLM agents answer with the built-in offline model');
    return providerFromBackend(new OfflineBackend(), { fallback: OFFLINE_MODEL, forced: OFFLINE_MODEL });
  }
  const backend = lazyOpenAiBackend(
    { baseURL: config.openaiBaseUrl, apiKey: config.openaiApiKey, maxRetries: config.llmMaxRetries, timeoutMs: config.maxTimeoutMs, ...(hooks.onRetry && { onRetry: hooks.onRetry }) },
    config.model ?? FALLBACK_MODEL,
  );
  return providerFromBackend(backend, { forced: config.model, fallback: FALLBACK_MODEL });
}

/**
 * The `openai` SDK is loaded on the first model call, not at start-up: most
 * sidecars start faster and smaller for it, and agents without an LLM never
 * load it at all.
 */
function lazyOpenAiBackend(options: OpenAiBackendOptions, model: string): ChatBackend {
  let loading: Promise<ChatBackend> | undefined;
  return {
    descriptor: { kind: 'openai-compatible', model, base_url: options.baseURL },
    async complete(request, context) {
      loading ??= import('./openai-backend.js').then(({ OpenAiBackend }) => new OpenAiBackend(options, model));
      return (await loading).complete(request, context);
    },
  };
}
