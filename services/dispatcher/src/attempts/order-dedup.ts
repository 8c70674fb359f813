// Recognises an order that this dispatcher is already attempting, or has just finished,
// when the broker hands it out again. That happens after a nats-server crash: the
// consumer's record of what it had delivered can lag its store, so orders in flight at
// the crash are delivered again while the first copy is still being worked on. Without
// this, the copy would send the request a second time and could record a failure (the
// signer still reconnecting) after the first copy's success.

export type OrderState = 'new' | 'running' | 'done';

export class OrderDedup {
  private readonly running = new Set<string>();
  /** Finished orders, oldest first, with when they finished. */
  private readonly finished = new Map<string, number>();

  constructor(
    private readonly maxFinished = 20_000,
    private readonly keepMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Claims the order if nobody has it; otherwise says who has. */
  begin(key: string): OrderState {
    this.expire();
    if (this.finished.has(key)) return 'done';
    if (this.running.has(key)) return 'running';
    this.running.add(key);
    return 'new';
  }

  /**
   * Releases the claim. `completed` means every fact of the attempt was published (the
   * handler returned): a copy handed out later is acked without another request. An
   * order that failed to complete (broker unreachable) is left to come back.
   */
  finish(key: string, completed: boolean): void {
    this.running.delete(key);
    if (!completed) return;
    this.finished.delete(key);
    this.finished.set(key, this.now());
    while (this.finished.size > this.maxFinished) this.finished.delete(this.finished.keys().next().value as string);
  }

  private expire(): void {
    const cutoff = this.now() - this.keepMs;
    for (const [key, at] of this.finished) {
      if (at > cutoff) break;
      this.finished.delete(key);
    }
  }
}
