// Recognises an order that this dispatcher is already attempting, or has just finished,
// when the broker hands it out again. That happens after a nats-server crash: the
// consumer's record of what it had delivered can lag its store, so orders in flight at
// the crash are delivered again while the first copy is still being worked on. Without
// this, the copy would send the request a second time and could record a failure (the
// signer still reconnecting) after the first copy's success.

export type OrderState = 'new' | 'running' | 'done';

/** The consumed part of the finished-order queue is cut off once it is this long and more than half the queue. */
const COMPACT_AFTER = 4096;

export class OrderDedup {
  private readonly running = new Set<string>();
  /** Finished orders, with when they finished (the latest time, if one finished again). */
  private readonly finished = new Map<string, number>();
  /**
   * The finishes in the order they happened (key and time side by side), read from `head`:
   * what to forget first. Not the Map's own order: taking the oldest key from a Map means
   * starting an iterator, which steps over every slot emptied since the table was last
   * rebuilt, and doing so on every order cost 15 µs each once 20,000 were kept (3-4 % of
   * the dispatcher's CPU in npm run bench's isolation scenario).
   */
  private keys: string[] = [];
  private times: number[] = [];
  private head = 0;

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
    const at = this.now();
    this.finished.set(key, at);
    this.keys.push(key);
    this.times.push(at);
    while (this.finished.size > this.maxFinished) this.forgetOldest();
  }

  private expire(): void {
    const cutoff = this.now() - this.keepMs;
    while (this.head < this.keys.length && this.times[this.head] <= cutoff) this.forgetOldest();
  }

  /** Forgets the oldest finish, unless its order finished again since (a later entry stands for it). */
  private forgetOldest(): void {
    const key = this.keys[this.head];
    if (this.finished.get(key) === this.times[this.head]) this.finished.delete(key);
    this.head++;
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
