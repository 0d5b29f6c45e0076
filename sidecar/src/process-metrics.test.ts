import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerProcessMetrics } from './process-metrics.js';

function sample(text: string, name: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `) || entry.startsWith(`${name}{`));
  return Number(line?.split(' ').pop());
}

describe('registerProcessMetrics', () => {
  it('publishes the process metrics under their standard names, read at the scrape', async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const first = await registry.metrics();
    for (const name of ['process_cpu_seconds_total', 'process_cpu_user_seconds_total', 'process_start_time_seconds', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_active_resources_total']) {
      expect(sample(first, name), name).toBeGreaterThanOrEqual(0);
    }
    expect(first).toContain(`nodejs_version_info{version="${process.version}"`);
    expect(first).not.toContain('gc_duration');
    expect(first).not.toContain('squire_process_');
    const until = Date.now() + 20;
    while (Date.now() < until) Math.sqrt(Math.random());
    const second = await registry.metrics();
    expect(sample(second, 'process_cpu_seconds_total')).toBeGreaterThan(sample(first, 'process_cpu_seconds_total'));
  });

  it('reads every value at the scrape that writes it, the first one included', async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    for (let scrape = 0; scrape < 2; scrape += 1) {
      const text = await registry.metrics();
      for (const name of ['nodejs_heap_size_total_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes']) expect(sample(text, name), name).toBeGreaterThan(0);
      const parts = sample(text, 'process_cpu_user_seconds_total') + sample(text, 'process_cpu_system_seconds_total');
      expect(parts).toBeCloseTo(sample(text, 'process_cpu_seconds_total'), 9);
      const until = Date.now() + 20;
      while (Date.now() < until) Math.sqrt(Math.random());
    }
  });
});
