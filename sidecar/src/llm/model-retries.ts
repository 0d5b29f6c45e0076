/**
 * @module
 * The retries of one run's model calls: every failed request the policy
 * allows is sent again after an abortable wait (the run's deadline, a
 * cancel or a drain cut it short), and all of the run's model calls draw on
 * one allowance. What finally fails becomes the contract error the caller
 * gets.
 */
import { cancellationOf, sleep } from '@squire/client/internal';
import { ModelCallError } from './model-failure.js';
import { decideModelRetry } from './model-retry-policy.js';

export interface ModelRetryOptions {
  /** Retries the run may make across all its model calls. */
  allowed: number;
  /** Epoch milliseconds. */
  deadline: number;
  maxRetryAfterMs: number;
  onRetry?: (() => void) | undefined;
  random?: () => number;
  now?: () => number;
}

export class ModelRetries {
  private made = 0;

  constructor(private readonly options: ModelRetryOptions) {}

  /** Retries made so far. */
  get used(): number {
    return this.made;
  }

  async run<T>(request: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const { options } = this;
    for (let requests = 1; ; requests += 1) {
      try {
        return await request();
      } catch (error) {
        if (!(error instanceof ModelCallError)) throw error;
        const decision = decideModelRetry({
          failure: error.details,
          retriesLeft: options.allowed - this.made,
          retriesMade: this.made,
          now: (options.now ?? Date.now)(),
          deadline: options.deadline,
          maxRetryAfterMs: options.maxRetryAfterMs,
          random: options.random ?? Math.random,
        });
        if (!decision.retry) throw error.toSidecarError(requests);
        this.made += 1;
        options.onRetry?.();
        await sleep(decision.delayMs, cancellationOf(signal));
      }
    }
  }
}
