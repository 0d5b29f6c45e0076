/**
 * @module
 * One request to the model as the operator sees it: a `chat {model}` span
 * (when tracing is on) whose context goes out as the request's
 * `traceparent`, and the latency, error and token metrics. Each request is
 * observed on its own, so a retried call shows as several.
 */
import type { ModelProvider } from '@squire/client/contract';
import { isSidecarError } from '../errors.js';
import type { SidecarMetrics } from '../metrics.js';
import type { RunSpan } from '../telemetry/tracing.js';
import type { ChatResult } from './llm-client.js';
import { ModelCallError } from './model-failure.js';

export type ModelCallMetrics = Pick<SidecarMetrics, 'llmCallDuration' | 'llmCallErrors' | 'llmTokens'>;

export interface ModelCallScope {
  provider: ModelProvider;
  model: string;
  stream: boolean;
  metrics?: ModelCallMetrics | undefined;
  span?: RunSpan | undefined;
  /** The run's trace context, sent on when no span of its own is made. */
  traceparent?: string | undefined;
}

export async function observeModelCall(scope: ModelCallScope, send: (traceparent: string | undefined) => Promise<ChatResult>): Promise<ChatResult> {
  const started = performance.now();
  const { metrics, model } = scope;
  const chat = scope.span?.startChat({ model, provider: providerName(scope.provider), baseUrl: scope.provider.base_url, stream: scope.stream });
  try {
    const result = await send(chat?.traceparent ?? scope.traceparent);
    if (metrics) {
      metrics.llmCallDuration.observe({ model, outcome: 'ok' }, (performance.now() - started) / 1000);
      metrics.llmTokens.inc({ kind: 'input', model }, result.usage.input_tokens ?? 0);
      metrics.llmTokens.inc({ kind: 'output', model }, result.usage.output_tokens ?? 0);
    }
    chat?.succeed({
      model: result.model,
      finishReason: result.finishReason,
      inputTokens: result.usage.input_tokens ?? 0,
      outputTokens: result.usage.output_tokens ?? 0,
    });
    return result;
  } catch (error) {
    const kind = modelErrorKind(error);
    if (metrics) {
      metrics.llmCallDuration.observe({ model, outcome: 'error' }, (performance.now() - started) / 1000);
      metrics.llmCallErrors.inc({ model, kind });
    }
    chat?.fail(error, kind);
    throw error;
  }
}

/** `gen_ai.provider.name`: the wire protocol spoken, as the GenAI conventions name it. */
export function providerName(provider: ModelProvider): string {
  return provider.kind === 'openai-compatible' ? 'openai' : 'squire.offline';
}

/** The `kind` label of a failed model request: what an operator would alert on separately. */
export function modelErrorKind(error: unknown): string {
  if (error instanceof ModelCallError) {
    const { status } = error.details;
    if (status === 429) return 'rate_limited';
    if (status !== undefined) return status >= 500 ? 'server_error' : 'client_error';
    const cause = error.details.cause as { name?: string } | undefined;
    return cause?.name?.includes('Timeout') ? 'timeout' : 'connection';
  }
  if (isSidecarError(error)) {
    if (error.code === 'deadline_exceeded') return 'deadline';
    if (error.code === 'cancelled' || error.code === 'draining') return 'cancelled';
  }
  return 'other';
}
