/**
 * @module
 * The process metrics (`process_*`, `nodejs_*`), read when `/metrics` is scraped
 * and at no other time. prom-client's default collectors also watch every
 * garbage collection (a performance observer: a JS callback and a labelled
 * histogram sample per GC, on the hot path of a sidecar that allocates per
 * call) and sample the event loop delay on a 10 ms timer (a wake-up a
 * hundred times a second on an idle sidecar); those two are left out. The
 * names are prom-client's standard, unprefixed ones, so Node dashboards
 * built on them work as they are.
 */
import { Counter, Gauge, type Registry } from './prom.js';

export function registerProcessMetrics(registry: Registry): void {
  const registers = [registry];
  let lastCpu = { user: 0, system: 0 };
  // prom-client collects each metric just before writing it, in the order of
  // registration: the first of the three reads the CPU time for all of them
  // (the other two are declared after it, so they are written after it),
  // so one scrape's user + system is its total.
  new Counter({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers,
    collect() {
      const cpu = process.cpuUsage();
      const user = (cpu.user - lastCpu.user) / 1e6;
      const system = (cpu.system - lastCpu.system) / 1e6;
      lastCpu = cpu;
      this.inc(user);
      cpuSystem.inc(system);
      cpuTotal.inc(user + system);
    },
  });
  const cpuTotal = new Counter({ name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', registers });
  const cpuSystem = new Counter({ name: 'process_cpu_system_seconds_total', help: 'Total system CPU time spent in seconds.', registers });
  const started = Math.round(Date.now() / 1000 - process.uptime());
  new Gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', registers, collect() { this.set(started); } });
  new Gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', registers, collect() { this.set(process.memoryUsage.rss()); } });
  // Each reads its own value at the scrape: set from another metric's
  // collect, a gauge written before that metric would show the previous
  // scrape's value (0 on the first).
  new Gauge({ name: 'nodejs_heap_size_total_bytes', help: 'Process heap size from Node.js in bytes.', registers, collect() { this.set(process.memoryUsage().heapTotal); } });
  new Gauge({ name: 'nodejs_heap_size_used_bytes', help: 'Process heap size used from Node.js in bytes.', registers, collect() { this.set(process.memoryUsage().heapUsed); } });
  new Gauge({ name: 'nodejs_external_memory_bytes', help: 'Node.js external memory size in bytes.', registers, collect() { this.set(process.memoryUsage().external); } });
  new Gauge({
    name: 'nodejs_active_resources_total',
    help: 'Number of active resources keeping the event loop alive.',
    registers,
    collect() {
      this.set(process.getActiveResourcesInfo().length);
    },
  });
  // How long a callback queued now waits: the lag at the moment of the scrape.
  new Gauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Lag of event loop in seconds.',
    registers,
    async collect() {
      const queued = performance.now();
      await new Promise((resolve) => setImmediate(resolve));
      this.set((performance.now() - queued) / 1000);
    },
  });
  const [major = '', minor = '', patch = ''] = process.versions.node.split('.');
  new Gauge({ name: 'nodejs_version_info', help: 'Node.js version info.', labelNames: ['version', 'major', 'minor', 'patch'], registers }).set(
    { version: process.version, major, minor, patch },
    1,
  );
}
