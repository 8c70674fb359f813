// A durable pull consumer read in gathered batches: each pull request asks JetStream for
// everything the consumer has pending, up to a batch, in one answer (`no_wait`), and waits
// (`expires`) only while nothing is pending, ending as soon as the first messages arrive.
//
// Why not nats.js's consume() or fetch(): both keep a pull request open on the server, so
// under a steady trickle every message is sent alone the moment it is stored, one socket
// write by nats-server and one wake-up of this process per message, even for a projection
// that writes only every few hundred milliseconds. Asked for once per batch instead, the
// server sends the batch's messages together. nats.js exposes neither `no_wait` on fetch
// nor an `expires` under one second, so the pull requests are sent here (the JetStream API
// subject `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`); the messages that come back
// are the library's own JsMsg (its toJsMsg: delivery info, ack, nak, term, working).
//
// nats-server (2.10) answers a `no_wait` request with the pending messages then a 408
// status (none when it sent the whole batch); with `expires` too and nothing pending, it
// waits for the first message to be stored, sends what is there, and ends the request the
// same way.
import { createRequire } from 'node:module';
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { JsMsg } from '@nats-io/jetstream';

// toJsMsg is not in the package's public exports; it is loaded from the file that defines it
// (the lockfile pins the version; if the file moves, loading @hookline/messaging fails, so
// every service's start and messaging.integration.ts fail at once).
const requireHere = createRequire(__filename);
const { toJsMsg } = requireHere(requireHere.resolve('@nats-io/jetstream').replace(/mod\.js$/, 'jsmsg.js')) as {
  toJsMsg: (m: Msg) => JsMsg;
};

/** A pull the server has not ended this long after its own expiry is given up (a restarted server forgets it). */
const GRACE_MS = 2000;

/** The server refused the pull (no such consumer, or one of its limits): the caller's loop waits and asks again. */
export class PullRejectedError extends Error {
  constructor(subject: string, code: number, description: string) {
    super(`${subject}: ${code} ${description}`);
    this.name = 'PullRejectedError';
  }
}

interface Open {
  id: string;
  batch: number;
  msgs: JsMsg[];
  timer: NodeJS.Timeout;
  resolve: (msgs: JsMsg[]) => void;
  reject: (err: Error) => void;
}

export class GatheredPull {
  private readonly inbox: string;
  private readonly sub: Subscription;
  private readonly subject: string;
  private next = 0;
  private open?: Open;
  /** Messages that came while no pull was open (one given up on here, or after a full batch): handed out by the next pull. */
  private strays: JsMsg[] = [];
  private closed = false;
  private readonly statuses: AsyncIterable<{ type: string }> & { stop?: () => void };

  constructor(
    private readonly nc: NatsConnection,
    stream: string,
    durable: string,
  ) {
    this.subject = `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`;
    this.inbox = createInbox();
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (err, m) => (err ? this.fail(err) : this.onMessage(m)) });
    // After a reconnect the server may have forgotten the open pull: ask again at once.
    this.statuses = nc.status();
    void (async () => {
      for await (const s of this.statuses) if (s.type === 'reconnect') this.finish();
    })().catch(() => undefined);
  }

  /**
   * Everything pending, up to `batch` messages, in stream order. With nothing pending it waits
   * up to `waitMs` for messages to arrive and returns the first ones (an empty list if none
   * came). One pull at a time.
   */
  pull(batch: number, waitMs: number): Promise<JsMsg[]> {
    if (this.open) return Promise.reject(new Error('a pull is already open'));
    if (this.closed) return Promise.resolve([]);
    if (this.strays.length > 0) {
      const strays = this.strays;
      this.strays = [];
      return Promise.resolve(strays);
    }
    const id = String(++this.next);
    const request: Record<string, unknown> = { batch, no_wait: true };
    if (waitMs > 0) request.expires = Math.round(waitMs * 1e6);
    return new Promise<JsMsg[]>((resolve, reject) => {
      const timer = setTimeout(() => this.finish(), waitMs + GRACE_MS);
      this.open = { id, batch, msgs: [], timer, resolve, reject };
      this.nc.publish(this.subject, JSON.stringify(request), { reply: `${this.inbox}.${id}` });
    });
  }

  /**
   * Ends the open pull with what it has, and stops listening; a closed pull returns nothing.
   * Messages it holds for no pull are handed back to the server for another pull.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.finish();
    for (const m of this.strays) m.nak();
    this.strays = [];
    this.sub.unsubscribe();
    this.statuses.stop?.();
  }

  private onMessage(m: Msg): void {
    const code = m.headers?.code ?? 0;
    if (code === 0 && m.reply) {
      // A message keeps its own subject, so it cannot say which pull it answers: it belongs
      // to the open one (or, between pulls, is kept for the next).
      const msg = toJsMsg(m);
      const open = this.open;
      if (!open) {
        this.strays.push(msg);
        return;
      }
      open.msgs.push(msg);
      // A pull answered in full is over: the server sends no status after it.
      if (open.msgs.length >= open.batch) this.finish();
      return;
    }
    // A status comes on the reply subject of the pull it ends.
    const open = this.open && m.subject === `${this.inbox}.${this.open.id}` ? this.open : undefined;
    if (!open || code === 0 || code === 100) return; // heartbeats, and the end of a pull given up on
    // 404 / 408: nothing (more) to send. Anything else (409: the consumer deleted or over a
    // limit; 503: no such consumer yet) fails the pull, and the caller's loop waits and asks again.
    if (code === 404 || code === 408) this.finish();
    else this.fail(new PullRejectedError(this.subject, code, m.headers?.description ?? ''));
  }

  private finish(): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    clearTimeout(open.timer);
    open.resolve(open.msgs);
  }

  private fail(err: Error): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    clearTimeout(open.timer);
    // What did come stays deliverable: with the next pull.
    this.strays.push(...open.msgs);
    open.reject(err);
  }
}
