// One full garbage collection a moment after a service is ready. Starting a service
// allocates far more than it keeps (modules compiled, the OpenAPI document, the gRPC
// protos, migrations, the registry views replayed), and V8 keeps the heap it grew to until
// it next needs a major collection, which an idle service may not have for hours: the
// memory a service holds at rest is then mostly startup garbage (the registry: 142 MB
// resident before, 114 MB after). One collection gives it back. It runs only when node
// was started with --expose-gc (the local stack, the container's command and the
// Kubernetes Deployments pass it); without the flag nothing happens.

export interface StartupGcOptions {
  /** global.gc, present under --expose-gc. */
  gc?: () => void;
  /** How long after ready: later work of the start (views catching up, consumers bound) is garbage by then too. */
  delayMs?: number;
  schedule?: (fn: () => void, ms: number) => { unref?: () => unknown };
  onDone?: (before: number, after: number) => void;
}

export function scheduleStartupGc(opts: StartupGcOptions = {}): boolean {
  const gc = 'gc' in opts ? opts.gc : (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  const schedule = opts.schedule ?? ((fn, ms) => setTimeout(fn, ms));
  const timer = schedule(() => {
    const before = process.memoryUsage.rss();
    gc();
    opts.onDone?.(before, process.memoryUsage.rss());
  }, opts.delayMs ?? 3000);
  timer.unref?.();
  return true;
}
