// Feeding the platform at its own pace: events are published while fewer than `window`
// deliveries are outstanding (published but not yet received), so the rate measured is
// what the pipeline sustains with a short queue, not how fast a backlog builds up.
import { nowMs } from '../lib/clock';

export interface FeedResult {
  events: number;
  /** Deliveries received (new delivery ids) during the run. */
  delivered: number;
  publishErrors: number;
  firstError?: string;
  startedAt: number;
  /** When the last expected delivery arrived (or the time ran out). */
  endedAt: number;
  complete: boolean;
}

export async function feedWindowed(opts: {
  total: number;
  window: number;
  perEvent: number;
  maxMs: number;
  publish: (i: number) => Promise<void>;
  /** Deliveries received so far at the receivers that count. */
  received: () => number;
  lastReceivedAt: () => number;
  /** Resolves at the next delivery (or after the timeout). */
  progress: (timeoutMs: number) => Promise<void>;
  maxPublishesInFlight?: number;
}): Promise<FeedResult> {
  const startedAt = nowMs();
  const deadline = startedAt + opts.maxMs;
  const base = opts.received();
  const maxInFlight = opts.maxPublishesInFlight ?? 64;
  let issued = 0;
  let inFlight = 0;
  let publishErrors = 0;
  let firstError: string | undefined;
  const running = new Set<Promise<void>>();
  while (issued < opts.total && nowMs() < deadline) {
    const outstanding = (issued - publishErrors) * opts.perEvent - (opts.received() - base);
    if (inFlight >= maxInFlight) {
      await Promise.race(running);
      continue;
    }
    if (outstanding + opts.perEvent > opts.window) {
      await opts.progress(20);
      continue;
    }
    const i = issued++;
    inFlight++;
    const p: Promise<void> = opts
      .publish(i)
      .catch((err: unknown) => {
        publishErrors++;
        firstError ??= (err as Error).message;
      })
      .finally(() => {
        inFlight--;
        running.delete(p);
      });
    running.add(p);
  }
  await Promise.all([...running]);
  const expected = (issued - publishErrors) * opts.perEvent;
  while (opts.received() - base < expected && nowMs() < deadline) await opts.progress(20);
  const delivered = opts.received() - base;
  const complete = delivered >= expected;
  return {
    events: issued - publishErrors,
    delivered,
    publishErrors,
    firstError,
    startedAt,
    endedAt: complete ? Math.max(opts.lastReceivedAt(), startedAt) : nowMs(),
    complete,
  };
}
