import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerProcessMetrics } from './process-metrics.js';

function sample(text: string, name: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `) || entry.startsWith(`${name}{`));
  return Number(line?.split(' ').pop());
}

describe('registerProcessMetrics', () => {
  it('publishes the process metrics under prom-client names, read at the scrape', async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const first = await registry.metrics();
    for (const name of ['process_cpu_seconds_total', 'process_cpu_user_seconds_total', 'process_start_time_seconds', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_active_resources_total']) {
      expect(sample(first, `squire_process_${name}`), name).toBeGreaterThanOrEqual(0);
    }
    expect(first).toContain(`squire_process_nodejs_version_info{version="${process.version}"`);
    expect(first).not.toContain('gc_duration');
    const until = Date.now() + 20;
    while (Date.now() < until) Math.sqrt(Math.random());
    const second = await registry.metrics();
    expect(sample(second, 'squire_process_process_cpu_seconds_total')).toBeGreaterThan(sample(first, 'squire_process_process_cpu_seconds_total'));
  });
});
