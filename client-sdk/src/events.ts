/**
 * @module
 * Observability of the client: typed listeners (`client.on(...)`) and the same
 * events on `node:diagnostics_channel` (`squire:client:request`,
 * `squire:client:response`, `squire:client:retry`, `squire:client:breaker`),
 * so metrics exporters can subscribe without a reference to the client.
 */
import diagnostics from 'node:diagnostics_channel';
import type { BreakerState } from './policies/circuit-breaker.js';
import type { SquireError } from './errors.js';

export interface ClientEvents {
  request: { sidecar: string; endpoint: string; method: string; path: string; attempt: number; idempotencyKey: string | undefined };
  response: { sidecar: string; endpoint: string; status: number; attempt: number; durationMs: number };
  retry: { sidecar: string; endpoint: string; attempt: number; delayMs: number; error: SquireError };
  breaker: { sidecar: string; endpoint: string; state: BreakerState['state']; previous: BreakerState['state'] };
  rollout: { sidecar: string; canary: string; state: 'step' | 'completed' | 'rolled_back'; step: number; percent: number; reason?: string };
  shadow: { sidecar: string; endpoint: string; match: boolean; primaryMs: number; shadowMs: number; error?: string };
}

export type ClientEventName = keyof ClientEvents;

const channels = {
  request: diagnostics.channel('squire:client:request'),
  response: diagnostics.channel('squire:client:response'),
  retry: diagnostics.channel('squire:client:retry'),
  breaker: diagnostics.channel('squire:client:breaker'),
  rollout: diagnostics.channel('squire:client:rollout'),
  shadow: diagnostics.channel('squire:client:shadow'),
} as const;

export class ClientEventBus {
  private readonly listeners: { [K in ClientEventName]: Set<(event: ClientEvents[K]) => void> } = {
    request: new Set(),
    response: new Set(),
    retry: new Set(),
    breaker: new Set(),
    rollout: new Set(),
    shadow: new Set(),
  };

  on<K extends ClientEventName>(name: K, listener: (event: ClientEvents[K]) => void): () => void {
    this.listeners[name].add(listener);
    return () => this.listeners[name].delete(listener);
  }

  emit<K extends ClientEventName>(name: K, event: ClientEvents[K]): void {
    const channel = channels[name];
    if (channel.hasSubscribers) channel.publish(event);
    for (const listener of this.listeners[name]) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not fail the call it observes.
      }
    }
  }

  /** Whether anyone listens (so the hot path can skip building the event). */
  wants(name: ClientEventName): boolean {
    return this.listeners[name].size > 0 || channels[name].hasSubscribers;
  }
}
