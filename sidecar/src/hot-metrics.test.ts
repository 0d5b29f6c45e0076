import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from './prom.js';
import { HotCounter, HotHistogram } from './hot-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];

function registries() {
  const make = () => {
    const registry = new Registry();
    registry.setDefaultLabels({ agent: 'echo', agent_version: '1' });
    return registry;
  };
  return { prom: make(), hot: make() };
}

describe('hot metrics', () => {
  it('scrape exactly as prom-client’s counter and histogram, bound children and the generic path alike', async () => {
    const { prom, hot } = registries();
    const promCounter = new Counter({ name: 'requests_total', help: 'requests', labelNames: ['route', 'status'], registers: [prom] });
    const promHistogram = new Histogram({ name: 'duration_seconds', help: 'time', labelNames: ['route'], buckets: BUCKETS, registers: [prom] });
    const hotCounter = new HotCounter({ name: 'requests_total', help: 'requests', labelNames: ['route', 'status'], registry: hot });
    const hotHistogram = new HotHistogram({ name: 'duration_seconds', help: 'time', labelNames: ['route'], buckets: BUCKETS, registry: hot });

    const promOk = promCounter.labels({ route: '/v1/invoke', status: '200' });
    const hotOk = hotCounter.labels({ route: '/v1/invoke', status: '200' });
    const promTime = promHistogram.labels({ route: '/v1/invoke' });
    const hotTime = hotHistogram.labels({ route: '/v1/invoke' });
    for (const seconds of [0.0005, 0.001, 0.002, 0.05, 0.5, 3, 0.0001]) {
      promOk.inc();
      hotOk.inc();
      promTime.observe(seconds);
      hotTime.observe(seconds);
    }
    promCounter.inc({ route: 'other', status: '404' }, 2);
    hotCounter.inc({ route: 'other', status: '404' }, 2);
    promHistogram.observe({ route: 'other' }, 0.02);
    hotHistogram.observe({ route: 'other' }, 0.02);

    expect(await hot.metrics()).toBe(await prom.metrics());
    expect(await hot.getMetricsAsJSON()).toEqual(await prom.getMetricsAsJSON());
    expect(await hot.metrics()).toContain('duration_seconds_bucket{le="0.01",agent="echo",agent_version="1",route="/v1/invoke"} 4');
  });

  it('refuses a label it was not given, and a counter going down', () => {
    const { hot } = registries();
    const counter = new HotCounter({ name: 'c_total', help: 'c', labelNames: ['route'], registry: hot });
    expect(() => counter.labels({ route: 'a', status: '1' } as never)).toThrow(/status/);
    // Also once the known part of that label set is counting already.
    counter.labels({ route: 'a' }).inc();
    expect(() => counter.labels({ route: 'a', status: '1' } as never)).toThrow(/status/);
    expect(() => counter.inc({ route: 'a', status: '1' } as never)).toThrow(/status/);
    expect(() => counter.inc({ route: 'a' }, -1)).toThrow(/goes up/);
    const histogram = new HotHistogram({ name: 'h', help: 'h', labelNames: ['route'], buckets: BUCKETS, registry: hot });
    expect(() => histogram.observe({ route: 'a' }, Number.NaN)).toThrow(/not a valid number/);
  });

  it('zeroes on reset, and children bound before count on', async () => {
    const { hot } = registries();
    const counter = new HotCounter({ name: 'c_total', help: 'c', labelNames: ['route'], registry: hot });
    const child = counter.labels({ route: 'a' });
    child.inc();
    hot.resetMetrics();
    child.inc();
    expect(await hot.metrics()).toContain('c_total{route="a",agent="echo",agent_version="1"} 1');
  });
});
