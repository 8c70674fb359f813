// Replays a stream from its first message into an in-memory projection and keeps
// following it (an ordered consumer: no acks, restarts itself after reconnects).
// "Caught up" once every message that existed at start has been applied.
//
// A consumer that stops delivering is made again: when a caller waits for a sequence the
// stream holds and nothing arrives for STALL_MS, the follower drops its consumer and
// makes a new one from the next sequence. After nats-server restarted (SIGKILL, in the
// crash tests) and a quiet spell longer than a pull request's 30 s, the client's own
// ordered consumer delivered nothing more (still nothing 10 s after the next publish in
// messaging.integration.ts, over 35 s in the listener crash test): a listener created
// meanwhile was answered 404 by webhook-listener, whose view waits 2 s for it.
//
// A message the projection cannot read is never skipped in silence: the follower stops
// at it (the projection would otherwise miss, say, a receiver's deletion), says so once
// with the stream, subject and sequence, and every caller that needs the projection
// current is refused until a version that reads it is deployed or an operator names the
// sequence in `skip` (HOOKLINE_REGISTRY_SKIP for the registry views).
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
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

/** How long a caller waiting for a sequence the stream holds may see nothing arrive before the consumer is made again; doubled after each time that did not help, up to STALL_MAX_MS. */
export const STALL_MS = 1000;
const STALL_MAX_MS = 8000;

export class StreamFollower {
  private messages?: ConsumerMessages;
  private stallTimer?: NodeJS.Timeout;
  private stallMs = STALL_MS;
  /** Consumers made again because one stopped delivering (see STALL_MS). */
  restarts = 0;
  private targetSeq = 0;
  private appliedSeq = 0;
  private stopped = false;
  private caughtUpWaiters: (() => void)[] = [];
  private seqWaiters: { seq: number; resolve: () => void }[] = [];
  private inFlight = 0;
  private nextTurn?: Promise<number>;
  private stuckAt?: StuckAt;

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
    this.watchForStall();
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

  /**
   * The stream's last sequence now, from the stream's own state on its leader: the
   * sequence is set before the publisher's ack is sent, so it is exact. (A no-wait pull
   * of a consumer of our own was tried and is cheaper, but its "No Messages" comes from
   * the consumer's pending count, which nats-server updates after the ack, from another
   * goroutine: about one answer in 3,000 missed a message published just before, on an
   * idle server.) Asked through our request mux (nats-core's request() builds an error
   * with a stack trace for every answer), and only the sequence read from it.
   */
  private async fetchLastSeq(): Promise<number> {
    const reply = await this.client.requests.request(`$JS.API.STREAM.INFO.${this.stream}`, '', { timeoutMs: 5000 });
    const info = reply.json<{ state?: { last_seq?: number }; error?: { code: number; description: string } }>();
    if (info.error) throw new Error(`${this.stream}: ${info.error.code} ${info.error.description}`);
    const seq = info.state?.last_seq;
    if (typeof seq !== 'number') throw new Error(`${this.stream}: stream info without a last sequence`);
    return seq;
  }

  async start(): Promise<void> {
    this.targetSeq = await this.fetchLastSeq();
    this.check();
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.stallTimer);
    this.messages?.stop();
  }

  /**
   * While somebody waits for a sequence the stream holds: if nothing is applied within
   * the stall time, the consumer is taken for stuck and stopped, and run() makes a new
   * one from the next sequence. The wait doubles each time a new consumer did not bring
   * anything either, and starts again at STALL_MS once one did.
   */
  private watchForStall(): void {
    if (this.stallTimer || this.stopped) return;
    const from = this.appliedSeq;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.stopped || this.stuckAt || this.seqWaiters.length === 0) return;
      // Something arrived (run() has put the wait back to STALL_MS): keep watching.
      if (this.appliedSeq > from) {
        this.watchForStall();
        return;
      }
      const waitingFor = Math.min(...this.seqWaiters.map((w) => w.seq));
      this.logger.warn({ stream: this.stream, appliedSeq: this.appliedSeq, waitingFor, quietMs: this.stallMs }, 'stream follower: nothing arrived while the stream holds more; making its consumer again');
      this.restarts++;
      this.stallMs = Math.min(this.stallMs * 2, STALL_MAX_MS);
      this.messages?.stop();
      this.watchForStall();
    }, this.stallMs);
    this.stallTimer.unref?.();
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
          this.stallMs = STALL_MS;
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
