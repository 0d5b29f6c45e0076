/**
 * @module
 * A model backend (the openai SDK against an endpoint, or the built-in
 * offline model) and the provider that binds it to each run: the run's
 * signal, its usage meter, its event stream and its trace context.
 */
import type { ModelProvider } from '@squire/client/contract';
import { approximateTokens, type ChatRequest, type ChatResult, type LlmClient, type LlmProvider, type LlmRunScope } from './llm-client.js';
import { ModelRetries } from './model-retries.js';
import { retryAllowance } from './model-retry-policy.js';
import { observeModelCall, type ModelCallMetrics } from './observed-model-call.js';

export interface CompletionContext {
  signal: AbortSignal;
  traceparent?: string | undefined;
  /** Set when the caller wants the answer streamed: called with each text piece. */
  onDelta?: ((text: string) => void) | undefined;
}

export interface ChatBackend {
  readonly descriptor: ModelProvider;
  /** @throws {ModelCallError} the endpoint failed (classified for the retry decision) */
  complete(request: ChatRequest & { model: string }, context: CompletionContext): Promise<ChatResult>;
  warmUp?(): Promise<void>;
  close?(): Promise<void>;
}

export interface ModelRetryLimits {
  /** `--llm-max-retries`: retries of failed model requests per run. */
  maxRetries: number;
  /** `--llm-max-retry-after-ms`: the longest wait an endpoint may ask for before the caller gets 429 instead. */
  maxRetryAfterMs: number;
  /** Called for each retry (the `squire_llm_retries_total` metric). */
  onRetry?: (() => void) | undefined;
  /** Latency, errors and tokens of each model request. */
  metrics?: ModelCallMetrics | undefined;
}

/**
 * @param models.forced the sidecar's `--model`: wins over the agent's choice
 * @param models.fallback used when neither the sidecar nor the agent names one
 */
export function providerFromBackend(backend: ChatBackend, models: { forced?: string | undefined; fallback: string }, limits: ModelRetryLimits): LlmProvider {
  return {
    descriptor: backend.descriptor,
    forRun(scope: LlmRunScope): LlmClient {
      const retries = new ModelRetries({
        allowed: retryAllowance(limits.maxRetries, scope.callerMaxRetries),
        deadline: scope.deadline,
        maxRetryAfterMs: limits.maxRetryAfterMs,
        onRetry: limits.onRetry,
      });
      return {
        provider: backend.descriptor,
        async chat(request: ChatRequest): Promise<ChatResult> {
          const model = models.forced ?? request.model ?? models.fallback;
          const call = { provider: backend.descriptor, model, stream: request.stream === true, metrics: limits.metrics, span: scope.span, traceparent: scope.traceparent };
          const result = await retries.run(async () => {
            const metered = scope.usage.begin(approximateTokens(JSON.stringify(request.messages)));
            try {
              const answer = await observeModelCall(call, (traceparent) =>
                backend.complete(
                  { ...request, model },
                  {
                    signal: scope.signal,
                    traceparent,
                    onDelta: request.stream
                      ? (delta) => {
                          metered.streamed(delta);
                          scope.emit({ type: 'run.delta', delta });
                        }
                      : undefined,
                  },
                ),
              );
              metered.settle(answer.usage);
              return answer;
            } catch (error) {
              // What streamed before a cancel or a failure was produced, and is billed.
              metered.cutOff();
              throw error;
            }
          }, scope.signal);
          return result;
        },
      };
    },
    ...(backend.warmUp && { warmUp: () => backend.warmUp!() }),
    ...(backend.close && { close: () => backend.close!() }),
  };
}

export { approximateTokens } from './llm-client.js';
