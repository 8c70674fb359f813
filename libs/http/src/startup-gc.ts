// Memory given back once a service has started. Starting a service allocates far more
// than it keeps (modules compiled, the OpenAPI document, the gRPC protos, migrations, the
// registry views replayed), and V8 keeps the heap it grew to until it next needs a major
// collection, which an idle service may not have for hours: what a service holds at rest
// is then mostly startup garbage. One collection, 10 s after the service listens (the
// rest of its start, views replayed and consumers bound, is garbage by then too: at 3 or
// 5 s the registry gave nothing back), gives it back: the registry 143 → 113 MB resident,
// the dispatcher 125 → 98, the signer 129 → 100, retry-scheduler 114 → 93.
//
// Then, 5 s later, one young-generation collection. The full collection does not shrink
// the young generation V8 grew while the service started (up to 2 × 8 MB with
// --max-semi-space-size=8): in each run one or two of the six services kept all 16 MB of it
// (new_space 16 MB held, nothing in it) and rested 12 MB higher, a different service each
// run (the retry-scheduler most often), until a scavenge at a low allocation rate shrank it,
// 30 s or more later. A scavenge once the service is quiet does that at once: 5 s after the
// full collection, every service's young generation held 1–2 MB (three npm start runs on
// 3 December).
//
// The collection is asked for as V8's "last resort" kind. Measured in the services: without
// it each rests about 14 MB higher, and a plain gc() at the same moment gave the same
// resident sizes. Not understood yet: in a small script on Node 20 this options form frees
// nothing where a plain gc() frees everything. It needs node's --expose-gc (the local
// stack, the container's command and the Kubernetes Deployments pass it: SERVICE_NODE_FLAGS
// in libs/local-stack); without the flag nothing happens.
//
// Not done: the same after a burst of work. Tried twice (once the event loop was quiet for
// 2 s; on demand right after the delivered benchmark): the heap used falls, but V8 keeps
// the pages it grew to (the dispatcher 152 -> 151 MB resident), so it costs a pause for
// nothing.
import { getHeapSpaceStatistics } from 'node:v8';

/** V8's gc() under --expose-gc; the options object is V8's (ignored by versions that do not know it). */
export type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

/** What the collection is asked to be: a full, memory-reducing one, now. */
export const STARTUP_GC = { type: 'major', execution: 'sync', flavor: 'last-resort' } as const;

/** The young-generation collection that follows, once the service has been quiet. */
export const YOUNG_GC = { type: 'minor', execution: 'sync' } as const;

/** When the collection runs, after the service listens. */
const STARTUP_GC_DELAY_MS = 10_000;

/** When the young-generation collection runs, after the full one. */
const YOUNG_GC_DELAY_MS = 5_000;

type Timer = { unref?: () => unknown };

export interface StartupGcOptions {
  /** global.gc, present under --expose-gc. */
  gc?: GcFunction;
  delayMs?: number;
  schedule?: (fn: () => void, ms: number) => Timer;
  rss?: () => number;
  onCollected?: (before: number, after: number) => void;
}

/** Schedules the one collection; false (and nothing scheduled) without --expose-gc. */
export function scheduleStartupGc(opts: StartupGcOptions = {}): boolean {
  const gc = 'gc' in opts ? opts.gc : (globalThis as { gc?: GcFunction }).gc;
  if (typeof gc !== 'function') return false;
  const schedule = opts.schedule ?? ((fn, ms) => setTimeout(fn, ms));
  const rss = opts.rss ?? (() => process.memoryUsage.rss());
  schedule(() => {
    const before = rss();
    gc(STARTUP_GC);
    schedule(() => {
      gc(YOUNG_GC);
      // The pages go back to the system a moment later (the sweeper releases them).
      schedule(() => opts.onCollected?.(before, rss()), 1000).unref?.();
    }, YOUNG_GC_DELAY_MS).unref?.();
  }, opts.delayMs ?? STARTUP_GC_DELAY_MS).unref?.();
  return true;
}

/** Schedules the collection for a service that has just started listening, with its debug log line. */
export function collectStartupGarbage(logger: { debug(obj: object, msg: string): void }): boolean {
  return scheduleStartupGc({ onCollected: (before) => logger.debug({ rssMbBefore: Math.round(before / 1048576), memoryMb: memoryMb() }, 'startup garbage collected') });
}

/** Where a process's memory is, in MB (for the log line of the collection). */
export function memoryMb(): Record<string, number> {
  const m = process.memoryUsage();
  const r = (x: number) => Math.round(x / 1048576);
  const young = getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space');
  return { rss: r(m.rss), heapTotal: r(m.heapTotal), heapUsed: r(m.heapUsed), youngHeld: r(young?.space_size ?? 0), external: r(m.external), arrayBuffers: r(m.arrayBuffers) };
}
