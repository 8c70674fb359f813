// Load shapes, each bounded in count and in time.
import { nowMs, sleep } from './clock';

export interface LoadResult {
  ops: number;
  errors: number;
  elapsedMs: number;
  firstError?: string;
}

/** `concurrency` workers run `op` back to back until `maxOps` are done or `maxMs` has passed. */
export async function closedLoop(opts: { concurrency: number; maxOps: number; maxMs: number; op: (i: number) => Promise<void> }): Promise<LoadResult> {
  const started = nowMs();
  const deadline = started + opts.maxMs;
  let issued = 0;
  let ops = 0;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (issued < opts.maxOps && nowMs() < deadline) {
      const i = issued++;
      try {
        await opts.op(i);
        ops++;
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { ops, errors, elapsedMs: nowMs() - started, firstError };
}

/**
 * Starts `op` at a fixed rate (open loop: a slow answer does not slow the schedule),
 * for `durationMs` or `maxOps`, with at most `maxInFlight` outstanding (beyond it a
 * tick's ops are skipped and counted, so an overloaded target cannot pile up work
 * without bound).
 */
export async function openLoop(opts: { ratePerSec: number; durationMs: number; maxOps: number; maxInFlight: number; op: (i: number) => Promise<void> }): Promise<LoadResult & { skipped: number }> {
  const started = nowMs();
  const end = started + opts.durationMs;
  let issued = 0;
  let ops = 0;
  let errors = 0;
  let skipped = 0;
  let inFlight = 0;
  let firstError: string | undefined;
  const running = new Set<Promise<void>>();
  while (issued + skipped < opts.maxOps) {
    const now = nowMs();
    if (now >= end) break;
    const due = Math.min(opts.maxOps, Math.floor(((now - started) / 1000) * opts.ratePerSec)) - issued - skipped;
    for (let k = 0; k < due; k++) {
      if (inFlight >= opts.maxInFlight) {
        skipped++;
        continue;
      }
      const i = issued++;
      inFlight++;
      const p: Promise<void> = opts
        .op(i)
        .then(
          () => void ops++,
          (err: unknown) => {
            errors++;
            firstError ??= (err as Error).message;
          },
        )
        .finally(() => {
          inFlight--;
          running.delete(p);
        });
      running.add(p);
    }
    await sleep(2);
  }
  await Promise.all([...running]);
  return { ops, errors, skipped, elapsedMs: nowMs() - started, firstError };
}

/** Polls `check` until it is true or `maxMs` passes; returns whether it became true. */
export async function until(check: () => boolean | Promise<boolean>, maxMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = nowMs() + maxMs;
  for (;;) {
    if (await check()) return true;
    if (nowMs() >= deadline) return false;
    await sleep(intervalMs);
  }
}
