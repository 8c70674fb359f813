// Replays a stream from its first message into an in-memory projection and keeps
// following it (an ordered consumer: no acks, restarts itself after reconnects).
// "Caught up" once every message that existed at start has been applied.
//
// A message the projection cannot read is never skipped in silence: the follower stops
// at it (the projection would otherwise miss, say, a receiver's deletion), says so once
// with the stream, subject and sequence, and every caller that needs the projection
// current is refused until a version that reads it is deployed or an operator names the
// sequence in `skip` (HOOKLINE_REGISTRY_SKIP for the registry views).
import { AckPolicy, DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import { createInbox, nanos, type Msg, type Subscription } from '@nats-io/transport-node';
import type { Logger } from '@hookline/observability';
import type { NatsClient } from './nats-client';

export interface FollowedMessage {
  subject: string;
  seq: number;
  payload: unknown;
}

/** Thrown by a projection for a message it cannot apply; the follower stops there. */
export class UnreadableMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableMessageError';
  }
}

/** Where a follower stopped, and why. */
export interface StuckAt {
  stream: string;
  subject: string;
  seq: number;
  reason: string;
}

export interface StreamFollowerOptions {
  /** Sequences an operator has decided to skip (each is logged when skipped). */
  skip?: ReadonlySet<number>;
}

export class StuckFollowerError extends Error {
  constructor(readonly at: StuckAt) {
    super(`${at.stream} is stopped at sequence ${at.seq} (${at.subject}), which cannot be read: ${at.reason}`);
    this.name = 'StuckFollowerError';
  }
}

interface Probe {
  name: string;
  /** The last sequence the probe has handed out. */
  pos: number;
  inbox: string;
  sub: Subscription;
  /** Requests sent and not yet answered, oldest first: the server answers one consumer's requests in order. */
  waiting: { resolve: (m: Msg) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[];
}

export class StreamFollower {
  private messages?: ConsumerMessages;
  private targetSeq = 0;
  private appliedSeq = 0;
  private stopped = false;
  private caughtUpWaiters: (() => void)[] = [];
  private seqWaiters: { seq: number; resolve: () => void }[] = [];
  private inFlight = 0;
  private nextTurn?: Promise<number>;
  private stuckAt?: StuckAt;
  /**
   * A pull consumer of our own that only ever asks "anything after `pos`?" without waiting
   * (no_wait): far cheaper for the server and for us than the stream's info, and just as
   * exact (see lastSeqNow). `pos` is the last sequence it has handed out.
   */
  private probe?: Promise<Probe>;

  constructor(
    private readonly client: NatsClient,
    private readonly stream: string,
    private readonly apply: (m: FollowedMessage) => void,
    private readonly logger: Logger,
    private readonly opts: StreamFollowerOptions = {},
  ) {}

  get caughtUp(): boolean {
    return !this.stuckAt && this.appliedSeq >= this.targetSeq;
  }

  /** Where the follower stopped on a message it cannot read, if it did. */
  get stuck(): StuckAt | undefined {
    return this.stuckAt;
  }

  /** Throws StuckFollowerError while the follower is stopped: the projection is not to be served. */
  assertServing(): void {
    if (this.stuckAt) throw new StuckFollowerError(this.stuckAt);
  }

  /** Resolves once the projection holds everything that was in the stream at start. */
  whenCaughtUp(): Promise<void> {
    return this.caughtUp ? Promise.resolve() : new Promise((r) => this.caughtUpWaiters.push(r));
  }

  /**
   * Resolves once the projection holds every message the stream had when this was
   * called, so a decision made next sees every change published before it. A question
   * to the server is sent at once when none is on its way, else one for everybody who
   * asked in this event-loop turn at its end: each caller waits about one round trip,
   * never for an earlier question to come back first.
   */
  async upToDate(timeoutMs = 5000): Promise<void> {
    this.assertServing();
    const target = await this.lastSeqNow();
    if (this.appliedSeq >= target) return;
    this.assertServing();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(this.stuckAt ? new StuckFollowerError(this.stuckAt) : new Error(`${this.stream} view is behind (at ${this.appliedSeq}, needs ${target})`)), timeoutMs);
      this.seqWaiters.push({ seq: target, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private lastSeqNow(): Promise<number> {
    if (this.inFlight === 0) return this.ask();
    return (this.nextTurn ??= new Promise<void>((r) => setImmediate(r)).then(() => {
      this.nextTurn = undefined;
      return this.ask();
    }));
  }

  private ask(): Promise<number> {
    this.inFlight++;
    return this.fetchLastSeq().finally(() => this.inFlight--);
  }

  /** The stream's last sequence now: from the probe when it can tell, else from the stream's info. */
  private async fetchLastSeq(): Promise<number> {
    try {
      const seq = await this.probeLastSeq();
      if (seq !== undefined) return seq;
    } catch {
      // Gone (idle too long, a server restart) or unreadable: make a new one next time.
      this.dropProbe();
    }
    return (await this.client.jsm.streams.info(this.stream)).state.last_seq;
  }

  /**
   * A pull consumer of our own that only ever asks "anything after `pos`?" without waiting
   * (no_wait): far cheaper for the server and for us than the stream's info, and just as
   * exact. Its answers come to an inbox of its own (a message it hands out keeps its
   * stream subject, which a request's reply routing would not recognise).
   */
  private newProbe(): Promise<Probe> {
    const start = this.appliedSeq + 1;
    return this.client.jsm.consumers
      .add(this.stream, {
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: start,
        inactive_threshold: nanos(5 * 60_000),
        mem_storage: true,
        num_replicas: 1,
      })
      .then((ci) => {
        const inbox = createInbox();
        const probe: Probe = {
          name: ci.name,
          pos: start - 1,
          inbox,
          waiting: [],
          sub: this.client.nc.subscribe(inbox, {
            callback: (_err, m) => {
              const w = probe.waiting.shift();
              if (!w) return;
              clearTimeout(w.timer);
              w.resolve(m);
            },
          }),
        };
        return probe;
      });
  }

  /**
   * Asks the probe for the next message without waiting. "No Messages" means nothing is
   * in the stream after `pos` at the moment the server answers: the stream's last sequence
   * is `pos`. A message means a change arrived meanwhile: its sequence is known (its ack
   * subject carries it and how many follow) and the probe moves on to it; with more after
   * it, the caller asks the stream's info instead (undefined).
   */
  private async probeLastSeq(): Promise<number | undefined> {
    const ready = (this.probe ??= this.newProbe());
    const probe = await ready;
    const m = await new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The answers can no longer be matched to the questions: start over with a new probe.
        if (this.probe === ready) this.dropProbe();
        reject(new Error('probe: no answer'));
      }, 5000);
      probe.waiting.push({ resolve, reject, timer });
      this.client.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${probe.name}`, '{"batch":1,"no_wait":true}', { reply: probe.inbox });
    });
    const code = m.headers?.code ?? 0;
    if (code === 404 && /no messages/i.test(m.headers?.description ?? '')) return probe.pos;
    if (code !== 0) throw new Error(`probe: ${code} ${m.headers?.description ?? ''}`);
    // $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending> (with a domain and account hash on newer servers).
    const parts = (m.reply ?? '').split('.');
    const seq = Number(parts[parts.length - 4]);
    const pending = Number(parts[parts.length - 1]);
    if (!Number.isInteger(seq) || !Number.isInteger(pending)) throw new Error('probe: unreadable reply subject');
    probe.pos = Math.max(probe.pos, seq);
    return pending === 0 ? seq : undefined;
  }

  async start(): Promise<void> {
    const info = await this.client.jsm.streams.info(this.stream);
    this.targetSeq = info.state.last_seq;
    this.check();
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.messages?.stop();
    this.dropProbe();
  }

  private dropProbe(): void {
    const ready = this.probe;
    this.probe = undefined;
    if (!ready) return;
    void ready
      .then((probe) => {
        probe.sub.unsubscribe();
        for (const w of probe.waiting.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error('probe dropped'));
        }
        return this.client.jsm.consumers.delete(this.stream, probe.name);
      })
      .catch(() => undefined);
  }


  private check(): void {
    if (this.seqWaiters.length > 0) {
      const ready = this.seqWaiters.filter((w) => w.seq <= this.appliedSeq);
      this.seqWaiters = this.seqWaiters.filter((w) => w.seq > this.appliedSeq);
      for (const w of ready) w.resolve();
    }
    if (!this.caughtUp) return;
    for (const w of this.caughtUpWaiters.splice(0)) w();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        // After a restart of the loop, continue after what was applied.
        const consumer = await this.client.js.consumers.get(this.stream, {
          deliver_policy: this.appliedSeq > 0 ? DeliverPolicy.StartSequence : DeliverPolicy.All,
          ...(this.appliedSeq > 0 ? { opt_start_seq: this.appliedSeq + 1 } : {}),
        });
        this.messages = await consumer.consume();
        for await (const m of this.messages) {
          if (m.seq <= this.appliedSeq) continue;
          if (this.opts.skip?.has(m.seq)) {
            this.logger.warn({ stream: this.stream, subject: m.subject, seq: m.seq }, 'skipping a message an operator named to skip');
            this.appliedSeq = m.seq;
            this.check();
            continue;
          }
          try {
            let payload: unknown;
            try {
              payload = m.json();
            } catch {
              throw new UnreadableMessageError('not JSON');
            }
            this.apply({ subject: m.subject, seq: m.seq, payload });
          } catch (err) {
            this.stop();
            this.stuckAt = { stream: this.stream, subject: m.subject, seq: m.seq, reason: (err as Error).message };
            this.logger.error(
              { ...this.stuckAt },
              `cannot read ${this.stream} message ${m.seq} (${m.subject}): ${(err as Error).message}. This view stops here and the service reports not ready until a version that reads it is deployed, or an operator skips it (HOOKLINE_REGISTRY_SKIP=${m.seq}) and restarts the service`,
            );
            return;
          }
          this.appliedSeq = m.seq;
          this.check();
        }
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn({ stream: this.stream, err: (err as Error).message }, 'stream follower failed; resuming');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
