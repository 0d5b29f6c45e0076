/**
 * @module
 * The counter and histogram of every request and every run, kept in plain
 * numbers per label set. prom-client hashes the label set, checks every
 * label and copies the labels on each `inc()` and `observe()`, even on a
 * child bound with `labels()`: four of those per invoke were a measurable
 * part of its cost. These register in the same prom-client registry and
 * scrape exactly as prom-client's own counter and histogram would.
 */
import type { Registry } from './prom.js';

type Labels<L extends string> = Readonly<Record<L, string>>;

interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  registry: Registry;
}

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  sharedLabels?: Record<string, string>;
  /** prom-client's buckets carry one (null without exemplars). */
  exemplar?: null;
}

/** What a prom-client registry reads off a metric at a scrape. */
interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Sample[];
  aggregator: 'sum';
}

abstract class HotMetric<L extends string, Cell extends { labels: Labels<L> }> {
  readonly aggregator = 'sum';
  abstract readonly type: MetricData['type'];
  readonly name: string;
  readonly help: string;
  protected readonly cells = new Map<string, Cell>();
  private readonly labelNames: readonly L[];

  constructor(options: MetricOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    options.registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The cell of one label set: bind it once with `labels()`, then count on it. */
  protected cellOf(labels: Labels<L>): Cell {
    let key = '';
    for (const name of this.labelNames) key += `${labels[name] ?? ''}\u0000`;
    // Checked on every look-up, as prom-client does: a label set with an unknown name must not count under a known one's key.
    for (const name in labels) {
      if (!this.labelNames.includes(name as L)) throw new Error(`Added label "${name}" is not included in initial labelset: ${JSON.stringify(this.labelNames)}`);
    }
    let cell = this.cells.get(key);
    if (!cell) {
      cell = this.newCell({ ...labels });
      this.cells.set(key, cell);
    }
    return cell;
  }

  protected abstract newCell(labels: Labels<L>): Cell;
  protected abstract samples(): Sample[];
  /** Zeroes every label set (children already bound keep counting into them). */
  abstract reset(): void;

  getForPromString(): Promise<MetricData> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values: this.samples(), aggregator: this.aggregator });
  }

  /** As prom-client's `get()`: the shared labels folded into each sample's own. */
  async get(): Promise<MetricData> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, ...sample }) => ({ ...sample, labels: { ...sample.labels, ...sharedLabels } }));
    return data;
  }
}

interface CounterCell<L extends string> {
  labels: Labels<L>;
  value: number;
}

export class HotCounter<L extends string> extends HotMetric<L, CounterCell<L>> {
  readonly type = 'counter';

  labels(labels: Labels<L>): { inc(): void } {
    const cell = this.cellOf(labels);
    return {
      inc() {
        cell.value += 1;
      },
    };
  }

  inc(labels: Labels<L>, value = 1): void {
    if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`a counter only goes up by a finite amount, got ${value}`);
    this.cellOf(labels).value += value;
  }

  reset(): void {
    for (const cell of this.cells.values()) cell.value = 0;
  }

  protected newCell(labels: Labels<L>): CounterCell<L> {
    return { labels, value: 0 };
  }

  protected samples(): Sample[] {
    return [...this.cells.values()].map((cell) => ({ value: cell.value, labels: { ...cell.labels } }));
  }
}

interface HistogramCell<L extends string> {
  labels: Labels<L>;
  /** Observations per bucket, not cumulative; above the last bound only `count` counts them. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class HotHistogram<L extends string> extends HotMetric<L, HistogramCell<L>> {
  readonly type = 'histogram';
  private readonly upperBounds: readonly number[];

  constructor(options: MetricOptions<L> & { buckets: readonly number[] }) {
    super(options);
    this.upperBounds = [...options.buckets].sort((a, b) => a - b);
  }

  labels(labels: Labels<L>): { observe(value: number): void } {
    const cell = this.cellOf(labels);
    return { observe: (value) => this.record(cell, value) };
  }

  observe(labels: Labels<L>, value: number): void {
    this.record(this.cellOf(labels), value);
  }

  reset(): void {
    for (const cell of this.cells.values()) {
      cell.counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }

  protected newCell(labels: Labels<L>): HistogramCell<L> {
    return { labels, counts: new Float64Array(this.upperBounds.length), sum: 0, count: 0 };
  }

  /** prom-client's order: each bound's cumulative count, `+Inf`, then `_sum` and `_count`. */
  protected samples(): Sample[] {
    const samples: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const cell of this.cells.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += cell.counts[i]!;
        samples.push({ labels: { le }, sharedLabels: cell.labels, value: cumulative, metricName: bucket, exemplar: null });
      });
      samples.push(
        { labels: { le: '+Inf' }, sharedLabels: cell.labels, value: cell.count, metricName: bucket, exemplar: null },
        { labels: {}, sharedLabels: cell.labels, value: cell.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: cell.labels, value: cell.count, metricName: `${this.name}_count` },
      );
    }
    return samples;
  }

  private record(cell: HistogramCell<L>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.upperBounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        cell.counts[i]! += 1;
        break;
      }
    }
    cell.sum += value;
    cell.count += 1;
  }
}
