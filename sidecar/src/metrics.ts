/**
 * @module
 * Prometheus metrics of one sidecar, on a registry of its own (never the
 * global one, so two apps in one process — tests — do not collide).
 */
import { Counter, Gauge, Histogram, Registry } from './prom.js';
import { HotCounter, HotHistogram } from './hot-metrics.js';
import { registerProcessMetrics } from './process-metrics.js';
import type { Slots } from './runtime/slots.js';

export interface SidecarMetrics {
  readonly registry: Registry;
  readonly requests: HotCounter<'route' | 'method' | 'status'>;
  readonly requestDuration: HotHistogram<'route' | 'method'>;
  readonly runs: HotCounter<'status' | 'kind'>;
  readonly runDuration: HotHistogram<'status'>;
  readonly llmTokens: Counter<'kind' | 'model'>;
  readonly llmRetries: Counter;
  /** One sample per request to the model (a retried call is several). */
  readonly llmCallDuration: Histogram<'model' | 'outcome'>;
  readonly llmCallErrors: Counter<'model' | 'kind'>;
  readonly toolCalls: Counter<'tool' | 'outcome'>;
  readonly toolCallDuration: Histogram<'tool'>;
  /** Publishes the number of background runs waiting on disk. */
  trackQueuedRuns(depth: () => number | Promise<number>): void;
}

export function createMetrics(agent: { name: string; version: string }, slots: Slots): SidecarMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ agent: agent.name, agent_version: agent.version });
  // Standard names (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`...) as Node dashboards expect them, read at the scrape.
  registerProcessMetrics(registry);
  const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
  const metrics: SidecarMetrics = {
    registry,
    // Counted on every request and run: see hot-metrics.ts.
    requests: new HotCounter({ name: 'squire_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registry }),
    requestDuration: new HotHistogram({ name: 'squire_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['route', 'method'], buckets: latencyBuckets, registry }),
    runs: new HotCounter({ name: 'squire_runs_total', help: 'Finished runs by status and kind (invoke, background)', labelNames: ['status', 'kind'], registry }),
    runDuration: new HotHistogram({ name: 'squire_run_duration_seconds', help: 'Agent run time, excluding the wait for a slot', labelNames: ['status'], buckets: latencyBuckets, registry }),
    llmTokens: new Counter({ name: 'squire_llm_tokens_total', help: 'LLM tokens by kind (input, output) and model, counted as each model call answers', labelNames: ['kind', 'model'], registers: [registry] }),
    llmRetries: new Counter({ name: 'squire_llm_retries_total', help: 'Retries of LLM calls made by the model client', registers: [registry] }),
    llmCallDuration: new Histogram({
      name: 'squire_llm_call_duration_seconds',
      help: 'Time of one request to the model, to its last streamed piece, by model and outcome (ok, error)',
      labelNames: ['model', 'outcome'],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    llmCallErrors: new Counter({
      name: 'squire_llm_call_errors_total',
      help: 'Failed requests to the model by kind: rate_limited, server_error, client_error, connection, timeout, cancelled, deadline, other',
      labelNames: ['model', 'kind'],
      registers: [registry],
    }),
    toolCalls: new Counter({ name: 'squire_tool_calls_total', help: 'Tool calls of LLM agents by tool and outcome (ok, error)', labelNames: ['tool', 'outcome'], registers: [registry] }),
    toolCallDuration: new Histogram({ name: 'squire_tool_call_duration_seconds', help: 'Time of one tool call', labelNames: ['tool'], buckets: latencyBuckets, registers: [registry] }),
    trackQueuedRuns(depth) {
      new Gauge({ name: 'squire_runs_queued', help: 'Background runs queued on disk', registers: [registry], async collect() { this.set(await depth()); } });
    },
  };
  new Gauge({ name: 'squire_slots_in_use', help: 'Runs executing now', registers: [registry], collect() { this.set(slots.used); } });
  new Gauge({ name: 'squire_slots_total', help: 'Configured slots', registers: [registry], collect() { this.set(slots.capacity); } });
  new Gauge({ name: 'squire_queue_depth', help: 'Sync invokes waiting for a slot', registers: [registry], collect() { this.set(slots.queued); } });
  return metrics;
}
