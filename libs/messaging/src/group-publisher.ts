// Publishes many small items as few JetStream messages (group commit): items added for
// a subject wait at most until the end of the current event-loop turn, or, when the
// subject already has `maxInFlight` publishes waiting for their PubAck, until one of
// them is acknowledged; then everything waiting goes out as one message. At low load an
// item goes out alone and at once; under load one message (one store, one delivery, one
// ack per consumer) carries many. Each add() resolves once a message holding its items
// is stored, so a caller settles its own input only after its output is durable.
//
// With a linger, a subject sends at most one message per `lingerMs`: items added within
// that time of the last message wait for the rest of it (or until `maxItems` wait).
// Without it, at moderate rates (a few hundred items a second, each PubAck back before
// the next item) every item went alone, and each message costs the broker a store, a
// delivery and an ack per consumer: at half the full rate a delivery cost about twice
// the CPU it costs at full rate. An item added after a quiet spell still goes at once.
import { captureTraceContext, withBatchContext, type TraceContext } from '@hookline/observability';
import type { JetStreamPublisher } from './publisher';

export interface GroupItem {
  /** The item as JSON text. */
  json: string;
  /** Its own id; a message's Nats-Msg-Id is derived from the ids it carries. */
  id: string;
}

export interface GroupPublisherOptions {
  /** Most items in one message. */
  maxItems: number;
  /** Most bytes of item JSON in one message (keep it well under the server's max_payload). */
  maxBytes: number;
  /** Publishes of one subject waiting for their PubAck at once; items added meanwhile wait and go together. */
  maxInFlight: number;
  /** The message text for these items, e.g. `{"facts":[a,b]}`. */
  envelope(items: readonly string[]): string;
  /** The message's Nats-Msg-Id from its items' ids. */
  msgId(ids: readonly string[]): string;
  /** Called with each message's item count (for statistics). */
  onPublished?(items: number): void;
  /** At most one message per subject per this many milliseconds (0: one per turn, as PubAcks allow). */
  lingerMs?: number;
}

interface Group {
  items: GroupItem[];
  bytes: number;
  /** Where add() was called (with traces on): the message continues the first group's trace and links to the others'. */
  trace?: TraceContext;
  resolve(): void;
  reject(err: unknown): void;
}

interface Lane {
  waiting: Group[];
  /** Items in `waiting`. */
  waitingItems: number;
  inFlight: number;
  /** A send is due (at the end of the turn, or when the linger is over). */
  scheduled: boolean;
  /** Ends the linger early (set while lingering). */
  fire?: () => void;
  /** When the last message went out (performance.now()). */
  lastSentAt: number;
}

/** Idle lanes are forgotten once there are this many lanes, at most once a second. */
const SWEEP_ABOVE = 1024;

export class GroupPublisher {
  private readonly lanes = new Map<string, Lane>();
  private lastSweep = 0;

  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly opts: GroupPublisherOptions,
  ) {}

  /** Publishes the items in this order, all in one message (with others' items before or after them). */
  add(subject: string, items: GroupItem[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    let lane = this.lanes.get(subject);
    if (!lane) {
      this.sweep();
      lane = { waiting: [], waitingItems: 0, inFlight: 0, scheduled: false, lastSentAt: Number.NEGATIVE_INFINITY };
      this.lanes.set(subject, lane);
    }
    const l = lane;
    return new Promise<void>((resolve, reject) => {
      let bytes = 0;
      for (const i of items) bytes += i.json.length + 1;
      l.waiting.push({ items, bytes, resolve, reject, trace: captureTraceContext() });
      l.waitingItems += items.length;
      if (l.fire && l.waitingItems >= this.opts.maxItems) l.fire();
      this.schedule(subject, l);
    });
  }

  private schedule(subject: string, lane: Lane): void {
    if (lane.scheduled || lane.waiting.length === 0 || lane.inFlight >= this.opts.maxInFlight) return;
    lane.scheduled = true;
    const go = () => {
      lane.scheduled = false;
      lane.fire = undefined;
      while (lane.inFlight < this.opts.maxInFlight && lane.waiting.length > 0) this.send(subject, lane, this.cut(lane));
    };
    const wait = lane.lastSentAt + (this.opts.lingerMs ?? 0) - performance.now();
    if (wait <= 0 || lane.waitingItems >= this.opts.maxItems) {
      setImmediate(go);
      return;
    }
    const timer = setTimeout(go, wait);
    lane.fire = () => {
      clearTimeout(timer);
      lane.fire = undefined;
      setImmediate(go);
    };
  }

  /** Forgets lanes with nothing waiting or in flight and no linger left, when there are many. */
  private sweep(): void {
    if (this.lanes.size < SWEEP_ABOVE) return;
    const now = performance.now();
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    const linger = this.opts.lingerMs ?? 0;
    for (const [subject, lane] of this.lanes) {
      if (lane.waiting.length === 0 && lane.inFlight === 0 && !lane.scheduled && now - lane.lastSentAt >= linger) this.lanes.delete(subject);
    }
  }

  /** The next message's groups: as many waiting groups as fit (a group is never split; one too big goes alone). */
  private cut(lane: Lane): Group[] {
    const out: Group[] = [];
    let items = 0;
    let bytes = 0;
    while (lane.waiting.length > 0) {
      const g = lane.waiting[0];
      if (out.length > 0 && (items + g.items.length > this.opts.maxItems || bytes + g.bytes > this.opts.maxBytes)) break;
      out.push(g);
      lane.waiting.shift();
      lane.waitingItems -= g.items.length;
      items += g.items.length;
      bytes += g.bytes;
    }
    return out;
  }

  private send(subject: string, lane: Lane, groups: Group[]): void {
    const json: string[] = [];
    const ids: string[] = [];
    for (const g of groups) {
      for (const i of g.items) {
        json.push(i.json);
        ids.push(i.id);
      }
    }
    lane.inFlight++;
    lane.lastSentAt = performance.now();
    withBatchContext(
      groups.map((g) => g.trace),
      () => this.publisher.publishRaw(subject, this.opts.envelope(json), { msgId: this.opts.msgId(ids) }),
    )
      .then(
        () => {
          this.opts.onPublished?.(json.length);
          for (const g of groups) g.resolve();
        },
        (err: unknown) => {
          for (const g of groups) g.reject(err);
        },
      )
      .finally(() => {
        lane.inFlight--;
        if (lane.waiting.length > 0) this.schedule(subject, lane);
        // Without a linger an idle lane has nothing to remember; with one, its last send time
        // matters for a while and sweep() forgets it later.
        else if (lane.inFlight === 0 && !this.opts.lingerMs) this.lanes.delete(subject);
      });
  }
}
