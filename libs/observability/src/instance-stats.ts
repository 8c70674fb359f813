// What this process has done and how its runtime behaves, for GET /health: per-instance
// work counters (so replicas can be compared: each says how much of the shared work it
// did), memory, and the pauses that make latency tails (garbage collection, and event
// loop stalls of any cause), each with when it happened so a benchmark can attribute a
// slow window to them.
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { INSTANCE_ID } from './instance-id';

export interface Pause {
  /** Epoch milliseconds when the pause ended. */
  at: number;
  ms: number;
  kind: 'gc' | 'event-loop';
}

export interface InstanceSnapshot {
  id: string;
  pid: number;
  startedAt: string;
  /** Work counters since start, by name (e.g. attempts, signatures, retries.released). */
  work: Record<string, number>;
  /** What the instance is now, by name (e.g. role: leader or standby). */
  state: Record<string, string>;
  runtime: {
    rssBytes: number;
    heapUsedBytes: number;
    /** What V8's heap holds from the system (used or not): rss minus this and externalBytes is the rest (code, stacks, malloc's own). */
    heapTotalBytes: number;
    /** Memory outside V8's heap that JavaScript objects hold (Buffers and other ArrayBuffers among it). */
    externalBytes: number;
    gc: { count: number; totalMs: number };
    /** The latest pauses of at least PAUSE_MS (garbage collection, or the event loop held up), oldest first. */
    pauses: Pause[];
  };
}

/** Pauses shorter than this are not listed (they are still in the gc totals). */
export const PAUSE_MS = 10;
const KEEP_PAUSES = 100;
const TICK_MS = 100;

export class InstanceStats {
  readonly id = INSTANCE_ID;
  readonly startedAt = new Date().toISOString();
  private readonly counters = new Map<string, number>();
  private readonly states = new Map<string, string>();
  private readonly pauses: Pause[] = [];
  private gcCount = 0;
  private gcTotalMs = 0;
  private observer?: PerformanceObserver;
  private timer?: NodeJS.Timeout;

  /** Adds to a work counter. */
  count(name: string, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  /** Records what the instance is now (e.g. its role among replicas). */
  set(name: string, value: string): void {
    this.states.set(name, value);
  }

  /** Starts watching garbage collection and the event loop (cheap: one observer, one timer every 100 ms). */
  start(): void {
    if (this.timer) return;
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries() as PerformanceEntry[]) {
        this.gcCount++;
        this.gcTotalMs += e.duration;
        if (e.duration >= PAUSE_MS) this.pause({ at: Math.round(performance.timeOrigin + e.startTime + e.duration), ms: round(e.duration), kind: 'gc' });
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
    // A timer that fires late says the event loop was held up for that long (by anything: GC, a long task, the OS).
    let expected = performance.now() + TICK_MS;
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = now - expected;
      expected = now + TICK_MS;
      if (late >= PAUSE_MS) this.pause({ at: Math.round(performance.timeOrigin + now), ms: round(late), kind: 'event-loop' });
    }, TICK_MS).unref();
  }

  stop(): void {
    this.observer?.disconnect();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  snapshot(): InstanceSnapshot {
    const mem = process.memoryUsage();
    return {
      id: this.id,
      pid: process.pid,
      startedAt: this.startedAt,
      work: Object.fromEntries([...this.counters].sort(([a], [b]) => a.localeCompare(b))),
      state: Object.fromEntries(this.states),
      runtime: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, heapTotalBytes: mem.heapTotal, externalBytes: mem.external, gc: { count: this.gcCount, totalMs: round(this.gcTotalMs) }, pauses: [...this.pauses] },
    };
  }

  private pause(p: Pause): void {
    this.pauses.push(p);
    if (this.pauses.length > KEEP_PAUSES) this.pauses.shift();
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
