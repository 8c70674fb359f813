// Group commit: items handed over one at a time (in stream order) are written in batches,
// one batch at a time, each batch taking everything that arrived while the one before it
// was being written (up to a maximum). So an idle consumer writes a change at once, and a
// busy one writes bigger batches instead of queueing small ones: the cost of a batch (a
// transaction, about ten round trips) is shared by more changes exactly when it matters.
// A batch that fails is written again one item at a time, so one bad item fails alone.
//
// With a linger, batches start at most once per `lingerMs` while busy: a batch that
// follows another closely waits for the rest of that interval (or until maxBatch items
// are waiting) so a steady stream is written in fewer, larger transactions. A batch's
// statements cost about the same whatever its size, so at a few thousand items a second
// this divides the database's work per item several times over; an item arriving at an
// idle consumer is still written at once.

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<T> {
  private queue: Waiting<T>[] = [];
  private running = false;
  /** When the last batch started (performance.now()). */
  private lastStart = Number.NEGATIVE_INFINITY;
  /** Ends a linger early, once maxBatch items are waiting. */
  private full?: () => void;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxBatch: number,
    private readonly lingerMs = 0,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Resolves once the item is written (in a batch, or alone after its batch failed); rejects with its own error. */
  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.full && this.queue.length >= this.maxBatch) this.full();
      if (!this.running) void this.run();
    });
  }

  /** Items waiting for a batch (not counting the one being written). */
  get waiting(): number {
    return this.queue.length;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        // Whatever arrived in the same turn of the event loop (one read from NATS) joins.
        await new Promise<void>((r) => setImmediate(r));
        await this.linger();
        this.lastStart = this.now();
        const batch = this.queue.splice(0, this.maxBatch);
        await this.writeBatch(batch);
      }
    } finally {
      this.running = false;
    }
  }

  /** While busy, waits out the rest of lingerMs since the last batch started, or until a full batch is waiting. */
  private linger(): Promise<void> {
    const wait = this.lastStart + this.lingerMs - this.now();
    if (wait <= 0 || this.queue.length >= this.maxBatch) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.full = undefined;
        resolve();
      };
      const timer = setTimeout(done, wait);
      this.full = done;
    });
  }

  private async writeBatch(batch: Waiting<T>[]): Promise<void> {
    try {
      await this.write(batch.map((w) => w.item));
      for (const w of batch) w.resolve();
      return;
    } catch (err) {
      if (batch.length === 1) {
        batch[0].reject(err);
        return;
      }
    }
    for (const w of batch) {
      try {
        await this.write([w.item]);
        w.resolve();
      } catch (err) {
        w.reject(err);
      }
    }
  }
}
