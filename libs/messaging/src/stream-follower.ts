// Replays a stream from its first message into an in-memory projection and keeps
// following it (an ordered consumer: no acks, restarts itself after reconnects).
// "Caught up" once every message that existed at start has been applied.
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { Logger } from '@hookline/observability';
import type { NatsClient } from './nats-client';

export interface FollowedMessage {
  subject: string;
  seq: number;
  payload: unknown;
}

export class StreamFollower {
  private messages?: ConsumerMessages;
  private targetSeq = 0;
  private appliedSeq = 0;
  private stopped = false;
  private caughtUpWaiters: (() => void)[] = [];
  private seqWaiters: { seq: number; resolve: () => void }[] = [];
  private infoInFlight?: Promise<number>;
  private infoQueued?: Promise<number>;

  constructor(
    private readonly client: NatsClient,
    private readonly stream: string,
    private readonly apply: (m: FollowedMessage) => void,
    private readonly logger: Logger,
  ) {}

  get caughtUp(): boolean {
    return this.appliedSeq >= this.targetSeq;
  }

  /** Resolves once the projection holds everything that was in the stream at start. */
  whenCaughtUp(): Promise<void> {
    return this.caughtUp ? Promise.resolve() : new Promise((r) => this.caughtUpWaiters.push(r));
  }

  /**
   * Resolves once the projection holds every message the stream had when this was
   * called, so a decision made next sees every change published before it. Stream-info
   * requests are shared: one in flight, one queued for callers that came after it left.
   */
  async upToDate(timeoutMs = 5000): Promise<void> {
    const target = await this.lastSeqNow();
    if (this.appliedSeq >= target) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.stream} view is behind (at ${this.appliedSeq}, needs ${target})`)), timeoutMs);
      this.seqWaiters.push({ seq: target, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private lastSeqNow(): Promise<number> {
    if (!this.infoInFlight) {
      this.infoInFlight = this.client.jsm.streams.info(this.stream).then((i) => i.state.last_seq).finally(() => (this.infoInFlight = undefined));
      return this.infoInFlight;
    }
    this.infoQueued ??= this.infoInFlight
      .catch(() => 0)
      .then(() => {
        this.infoQueued = undefined;
        return this.lastSeqNow();
      });
    return this.infoQueued;
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
          let payload: unknown;
          try {
            payload = m.json();
          } catch {
            this.logger.error({ stream: this.stream, seq: m.seq }, 'skipping a message that is not JSON');
            this.appliedSeq = m.seq;
            continue;
          }
          this.apply({ subject: m.subject, seq: m.seq, payload });
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
