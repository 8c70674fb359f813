// The Prometheus metrics of one process (prom-client): the metrics of the catalog
// (metrics.catalog.ts) made on first use, every label value passed through the guard,
// Node's process metrics, the instance's work counters from InstanceStats (one
// increment shared by GET /health and /metrics), and gauges read on scrape from slower
// sources (JetStream consumer info, PostgreSQL counts) behind a cache and a timeout.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type CollectFunction } from 'prom-client';
import type { InstanceStats } from './instance-stats';
import { METRICS, METRICS_PREFIX, type KeyOfType, type LabelsOf, type MetricKey } from './metrics.catalog';
import { LabelGuard } from './metrics-labels';

export interface CounterOf<K extends MetricKey> {
  inc(labels: LabelsOf<K>, n?: number): void;
}
export interface HistogramOf<K extends MetricKey> {
  /** Seconds. */
  observe(labels: LabelsOf<K>, seconds: number): void;
}
export type Sample<K extends MetricKey> = { labels: LabelsOf<K>; value: number };
export type Readings<K extends MetricKey> = { [P in K]?: Sample<P>[] };

export interface ScrapeSource<K extends KeyOfType<'gauge'>> {
  /** Names the source in hookline_metrics_source_errors_total. */
  name: string;
  gauges: readonly K[];
  read(): Promise<Readings<K>>;
  /** A reading is reused for this long, so frequent or parallel scrapes cost one query. */
  cacheMs: number;
  /** A reading that takes longer is given up for this scrape (default 2 s). */
  timeoutMs?: number;
}

/**
 * Work counters of InstanceStats that have a metric of their own (with labels), by name
 * pattern; every other counter is hookline_instance_work_total{counter="<name>"}.
 */
export const STATS_ROUTES: readonly { pattern: RegExp; metric: KeyOfType<'counter'>; labels(m: RegExpMatchArray): Record<string, string> }[] = [
  { pattern: /^consumed\.(.+)$/, metric: 'consumerMessages', labels: (m) => ({ consumer: m[1], result: 'acked' }) },
  { pattern: /^(retried|deferred|dead-lettered)\.(.+)$/, metric: 'consumerMessages', labels: (m) => ({ consumer: m[2], result: m[1] }) },
  { pattern: /^redelivered\.(.+)$/, metric: 'consumerRedeliveries', labels: (m) => ({ consumer: m[1] }) },
];

/** Where one work counter goes: its metric and labels. */
export function routeStat(name: string): { metric: KeyOfType<'counter'>; labels: Record<string, string> } {
  for (const r of STATS_ROUTES) {
    const m = name.match(r.pattern);
    if (m) return { metric: r.metric, labels: r.labels(m) };
  }
  return { metric: 'work', labels: { counter: name } };
}

export interface MetricsOptions {
  service: string;
  /** The instance's work counters (GET /health), exposed as counters too. */
  stats?: InstanceStats;
  maxLabelValues?: number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly guard: LabelGuard;
  private readonly made = new Map<MetricKey, Counter | Gauge | Histogram>();
  private defaults = false;
  private readonly refreshers: (() => Promise<void>)[] = [];

  constructor(private readonly opts: MetricsOptions) {
    this.guard = new LabelGuard(opts.maxLabelValues);
    this.registry.setDefaultLabels({ service: opts.service });
    if (opts.stats) this.bridgeStats(opts.stats);
  }

  /** Node's process metrics (CPU, memory, heap, event-loop lag, GC), prefixed hookline_; once. */
  collectDefaults(): void {
    if (this.defaults) return;
    this.defaults = true;
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
  }

  counter<K extends KeyOfType<'counter'>>(key: K): CounterOf<K> {
    const c = this.metric(key) as Counter;
    return { inc: (labels, n = 1) => c.inc(this.guard.labels(key, labels as Record<string, string>), n) };
  }

  histogram<K extends KeyOfType<'histogram'>>(key: K): HistogramOf<K> {
    const h = this.metric(key) as Histogram;
    return { observe: (labels, seconds) => h.observe(this.guard.labels(key, labels as Record<string, string>), seconds) };
  }

  /**
   * Gauges whose values are read when Prometheus scrapes (not kept up to date between
   * scrapes): one reading serves every gauge of the source, cached for cacheMs. A failed
   * or slow reading leaves them out of that scrape and counts an error.
   */
  onScrape<K extends KeyOfType<'gauge'>>(source: ScrapeSource<K>): void {
    const errors = this.counter('scrapeErrors');
    const timeoutMs = source.timeoutMs ?? 2000;
    let readAt = -Infinity;
    let last: Readings<K> | undefined;
    // Run by exposition() before the registry is serialised, so every gauge (and the error count) reflects this scrape.
    this.refreshers.push(async () => {
      if (Date.now() - readAt < source.cacheMs) return;
      readAt = Date.now();
      last = await withTimeout(source.read(), timeoutMs).catch(() => {
        errors.inc({ source: source.name });
        return undefined;
      });
    });
    for (const key of source.gauges) {
      const guard = this.guard;
      this.metric(key, function collect(this: Gauge) {
        this.reset();
        // A gauge without labels cannot be left out: NaN says "unknown" (never a stale or made-up number).
        if (!last && METRICS[key].labels.length === 0) this.set(NaN);
        for (const s of (last?.[key] ?? []) as Sample<K>[]) this.set(guard.labels(key, s.labels as Record<string, string>), s.value);
      });
    }
  }

  /** The exposition (text format) and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    await Promise.all(this.refreshers.map((r) => r()));
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private metric(key: MetricKey, collect?: CollectFunction<any>): Counter | Gauge | Histogram {
    const existing = this.made.get(key);
    if (existing) return existing;
    const def = METRICS[key];
    const base = { name: `${METRICS_PREFIX}${def.name}`, help: def.help, labelNames: [...def.labels], registers: [this.registry], ...(collect ? { collect } : {}) };
    const m =
      def.type === 'counter'
        ? new Counter(base)
        : def.type === 'histogram'
          ? new Histogram({ ...base, buckets: [...(def as { buckets: readonly number[] }).buckets] })
          : new Gauge(base);
    this.made.set(key, m);
    return m;
  }

  /**
   * InstanceStats counts the work (its callers increment once); on scrape its totals are
   * copied into counters, and its states into hookline_instance_state.
   */
  private bridgeStats(stats: InstanceStats): void {
    const guard = this.guard;
    const counters = new Map<KeyOfType<'counter'>, Counter>();
    // Each bridged counter's collect copies every total (cheap: a few dozen numbers), so
    // whichever the registry serialises first is current.
    const sync = () => {
      for (const c of counters.values()) c.reset();
      for (const [name, value] of Object.entries(stats.snapshot().work)) {
        const { metric, labels } = routeStat(name);
        counters.get(metric)?.inc(guard.labels(metric, labels), value);
      }
    };
    for (const key of new Set([...STATS_ROUTES.map((r) => r.metric), 'work' as const])) counters.set(key, this.metric(key, sync) as Counter);
    this.metric('instanceState', function collect(this: Gauge) {
      this.reset();
      for (const [name, value] of Object.entries(stats.snapshot().state)) this.set(guard.labels('instanceState', { name, value }), 1);
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
