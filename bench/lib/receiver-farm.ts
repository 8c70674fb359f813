// The main thread's handle on the receiver worker (receiver-worker.ts).
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ANY_SLOT, COUNTER_SLOTS, FIELD, FIELDS, MAX_RECEIVERS, type FarmReply, type FarmRequest, type ReceiverMode } from './receiver-protocol';

type Request = FarmRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

export interface ReceiverCounts {
  requests: number;
  unique: number;
  duplicates: number;
  hung: number;
  rejected: number;
  sigChecked: number;
  sigBad: number;
}

interface AtomicsWithWaitAsync {
  waitAsync(a: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<string> | string };
}

export interface Receiver {
  index: number;
  port: number;
  url: string;
}

export class ReceiverFarm {
  private readonly worker: Worker;
  private readonly counters: Int32Array;
  private readonly times: Float64Array;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: FarmReply) => void; reject: (e: Error) => void }>();
  private closed = false;

  constructor(opts: { verifyEvery?: number } = {}) {
    const counters = new SharedArrayBuffer(COUNTER_SLOTS * 4);
    const times = new SharedArrayBuffer(MAX_RECEIVERS * 2 * 8);
    this.counters = new Int32Array(counters);
    this.times = new Float64Array(times);
    const register = require.resolve('@swc-node/register');
    const entry = join(__dirname, 'receiver-worker.ts');
    this.worker = new Worker(`require(${JSON.stringify(register)}); require(${JSON.stringify(entry)});`, {
      eval: true,
      workerData: { counters, times, verifyEvery: opts.verifyEvery ?? 50 },
    });
    this.worker.on('message', (m: FarmReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m);
    });
    this.worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  private call(req: Request, timeoutMs = 15_000): Promise<FarmReply> {
    const id = this.nextId++;
    return new Promise<FarmReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`receiver worker did not answer ${req.type} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.worker.postMessage({ ...req, id });
    });
  }

  async add(count: number): Promise<Receiver[]> {
    const r = await this.call({ type: 'add', count });
    const first = r.first ?? 0;
    return (r.ports ?? []).map((port, k) => ({ index: first + k, port, url: `http://127.0.0.1:${port}/hook` }));
  }

  async configure(index: number, opts: { mode?: ReceiverMode; secret?: string }): Promise<void> {
    await this.call({ type: 'configure', index, ...opts });
  }

  async recordLatency(on: boolean): Promise<void> {
    await this.call({ type: 'record', on });
  }

  /** Milliseconds from the sentAt in each event's data to its arrival, since recording began. */
  async latencies(): Promise<Float64Array> {
    return (await this.latencySplit()).total;
  }

  /**
   * The same, with each delivery's time from its attempt's start (Hookline-Attempt-At,
   * millisecond precision) to arrival: what is left of the total came before the attempt
   * (publish, broker, fan-out, waiting for the receiver's turn).
   */
  async latencySplit(): Promise<{ total: Float64Array; fromAttempt: Float64Array }> {
    const r = await this.call({ type: 'latencies' }, 60_000);
    return { total: r.latencies ?? new Float64Array(0), fromAttempt: r.fromAttempt ?? new Float64Array(0) };
  }

  counts(index: number): ReceiverCounts {
    const at = (f: number) => Atomics.load(this.counters, index * FIELDS + f);
    return {
      requests: at(FIELD.requests),
      unique: at(FIELD.unique),
      duplicates: at(FIELD.duplicates),
      hung: at(FIELD.hung),
      rejected: at(FIELD.rejected),
      sigChecked: at(FIELD.sigChecked),
      sigBad: at(FIELD.sigBad),
    };
  }

  /** New deliveries (distinct delivery ids, or requests without one) at these receivers. */
  unique(indexes: readonly number[]): number {
    let n = 0;
    for (const i of indexes) n += Atomics.load(this.counters, i * FIELDS + FIELD.unique);
    return n;
  }

  sum(indexes: readonly number[]): ReceiverCounts {
    const total: ReceiverCounts = { requests: 0, unique: 0, duplicates: 0, hung: 0, rejected: 0, sigChecked: 0, sigBad: 0 };
    for (const i of indexes) {
      const c = this.counts(i);
      for (const k of Object.keys(total) as (keyof ReceiverCounts)[]) total[k] += c[k];
    }
    return total;
  }

  /** Resolves when any receiver gets a new delivery, or after timeoutMs (no polling loop burning the CPU). */
  async progress(timeoutMs: number): Promise<void> {
    const seen = Atomics.load(this.counters, ANY_SLOT);
    const w = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(this.counters, ANY_SLOT, seen, timeoutMs);
    if (w.async) await w.value;
  }

  /** When the last new delivery reached any of these receivers (nowMs), or 0. */
  lastAt(indexes: readonly number[]): number {
    let t = 0;
    for (const i of indexes) t = Math.max(t, this.times[i * 2 + 1]);
    return t;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.call({ type: 'close' }, 10_000).catch(() => undefined);
    await this.worker.terminate();
  }
}
