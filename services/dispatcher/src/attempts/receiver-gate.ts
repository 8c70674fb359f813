// Bounds the attempts in flight per receiver. Beyond the limit an order waits here, in
// order, for a free slot (up to a small queue per receiver); only beyond that queue is
// it handed back to the broker. Waiting locally instead of handing back keeps a long
// backlog for one receiver from cycling through JetStream again and again.

export type Admission = { kind: 'run' } | { kind: 'queued'; ready: Promise<void> } | { kind: 'full' };

interface Lane {
  running: number;
  waiting: (() => void)[];
}

export class ReceiverGate {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly maxRunning: number,
    private readonly maxWaiting: number,
  ) {}

  admit(key: string): Admission {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { running: 0, waiting: [] };
      this.lanes.set(key, lane);
    }
    if (lane.running < this.maxRunning) {
      lane.running++;
      return { kind: 'run' };
    }
    if (lane.waiting.length >= this.maxWaiting) return { kind: 'full' };
    const l = lane;
    // The slot passes straight to the waiter (running stays the same), so nobody can jump the queue.
    return { kind: 'queued', ready: new Promise<void>((resolve) => l.waiting.push(resolve)) };
  }

  release(key: string): void {
    const lane = this.lanes.get(key);
    if (!lane) return;
    const next = lane.waiting.shift();
    if (next) {
      next();
      return;
    }
    lane.running--;
    if (lane.running <= 0) this.lanes.delete(key);
  }

  stats(key: string): { running: number; waiting: number } {
    const lane = this.lanes.get(key);
    return { running: lane?.running ?? 0, waiting: lane?.waiting.length ?? 0 };
  }
}

/** How long an order that found its receiver's queue full stays away: doubling per return, capped. */
export function deferDelay(deliveryCount: number, baseMs = 500, maxMs = 30_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(16, Math.max(0, deliveryCount - 1)));
}
