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
import type { ModelCallMetrics } from './observed-model-call.js';

export { runLlmAgent } from './llm-agent.js';

/** The model asked for when neither `--model` nor the agent names one. */
export const FALLBACK_MODEL = 'gpt-4o-mini';

export function createLlmProvider(config: SidecarConfig, log: Logger, hooks: { onRetry?: () => void; metrics?: ModelCallMetrics } = {}): LlmProvider {
  const limits = { maxRetries: config.llmMaxRetries, maxRetryAfterMs: config.llmMaxRetryAfterMs, onRetry: hooks.onRetry, metrics: hooks.metrics };
  if (!config.openaiBaseUrl) {
    log.info({ model: OFFLINE_MODEL }, 'no OPENAI_BASE_URL set: LLM agents answer with the built-in offline model');
    return providerFromBackend(new OfflineBackend(), { fallback: OFFLINE_MODEL, forced: OFFLINE_MODEL }, limits);
  }
  const backend = lazyOpenAiBackend({ baseURL: config.openaiBaseUrl, apiKey: config.openaiApiKey, timeoutMs: config.maxTimeoutMs }, config.model ?? FALLBACK_MODEL);
  return providerFromBackend(backend, { forced: config.model, fallback: FALLBACK_MODEL }, limits);
}

/**
 * The `openai` SDK is imported only when an endpoint is configured, so
 * sidecars on the offline model never load it. `main.ts` awaits `warmUp()`
 * before it reports ready: the import happens at start-up, off the first
 * call's latency, and a broken install fails the start, not a request.
 */
function lazyOpenAiBackend(options: OpenAiBackendOptions, model: string): ChatBackend {
  let loading: Promise<ChatBackend> | undefined;
  const load = () => (loading ??= import('./openai-backend.js').then(({ OpenAiBackend }) => new OpenAiBackend(options, model)));
  return {
    descriptor: { kind: 'openai-compatible', model, base_url: options.baseURL },
    async warmUp() {
      await load();
    },
    async complete(request, context) {
      return (await load()).complete(request, context);
    },
  };
}
