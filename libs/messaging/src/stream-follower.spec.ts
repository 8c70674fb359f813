// StreamFollower against a stand-in for the NATS client (the behaviour against a real
// nats-server, restarts included, is in messaging.integration.ts and the listener crash
// test): a consumer that stops delivering is made again from the next sequence.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '@hookline/observability';
import type { NatsClient } from './nats-client';
import { STALL_MS, StreamFollower } from './stream-follower';

const logger = createLogger({ service: 'test', version: '0', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

interface Msg {
  seq: number;
  subject: string;
  json(): unknown;
}

/** One consumer's messages: an async iterator fed by the stand-in stream, ended by stop(). */
class Messages implements AsyncIterable<Msg> {
  private queue: Msg[] = [];
  private wake?: () => void;
  private done = false;
  constructor(readonly startSeq: number) {}
  push(m: Msg): void {
    this.queue.push(m);
    this.wake?.();
  }
  stop(): void {
    this.done = true;
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Msg> {
    for (;;) {
      const m = this.queue.shift();
      if (m) {
        yield m;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}

/** A stream and the client's view of it; `stuck` consumers get nothing published after they were made. */
function standIn() {
  const stored: Msg[] = [];
  const consumers: { messages: Messages; stuck: boolean }[] = [];
  let nextStuck = false;
  const client = {
    requests: {
      request: async () => ({ json: () => ({ state: { last_seq: stored.length } }) }),
    },
    js: {
      consumers: {
        get: async (_stream: string, opts: { opt_start_seq?: number }) => ({
          consume: async () => {
            const messages = new Messages(opts.opt_start_seq ?? 1);
            for (const m of stored) if (m.seq >= messages.startSeq) messages.push(m);
            consumers.push({ messages, stuck: nextStuck });
            nextStuck = false;
            return messages;
          },
        }),
      },
    },
  };
  return {
    client: client as unknown as NatsClient,
    consumers,
    /** The next consumer made delivers what the stream holds, then nothing more. */
    stickNext: () => void (nextStuck = true),
    publish(n: number): void {
      const m: Msg = { seq: stored.length + 1, subject: 't.a', json: () => ({ n }) };
      stored.push(m);
      for (const c of consumers) if (!c.stuck) c.messages.push(m);
    },
  };
}

describe('StreamFollower', () => {
  it('makes its consumer again, from the next sequence, when nothing arrives while the stream holds more', async () => {
    const s = standIn();
    const seen: number[] = [];
    s.publish(1);
    s.publish(2);
    s.stickNext();
    const follower = new StreamFollower(s.client, 'T', (m) => void seen.push((m.payload as { n: number }).n), logger);
    try {
      await follower.start();
      await follower.whenCaughtUp();
      assert.deepEqual(seen, [1, 2]);
      s.publish(3);
      const started = Date.now();
      await follower.upToDate(5 * STALL_MS);
      const took = Date.now() - started;
      assert.deepEqual(seen, [1, 2, 3], 'each message once, in order');
      assert.equal(follower.restarts, 1);
      assert.equal(s.consumers.length, 2);
      assert.equal(s.consumers[1].messages.startSeq, 3, 'the new consumer starts after what was applied');
      assert.ok(took >= STALL_MS - 50 && took < 3 * STALL_MS, `took ${took} ms`);
      // A consumer that delivers is left alone.
      s.publish(4);
      await follower.upToDate(STALL_MS);
      assert.deepEqual(seen, [1, 2, 3, 4]);
      assert.equal(follower.restarts, 1);
    } finally {
      follower.stop();
    }
  });

  it('a consumer that keeps delivering is never made again, however long the callers wait', async () => {
    const s = standIn();
    const seen: number[] = [];
    const follower = new StreamFollower(s.client, 'T', (m) => void seen.push((m.payload as { n: number }).n), logger);
    try {
      await follower.start();
      await follower.whenCaughtUp();
      for (let n = 1; n <= 20; n++) {
        s.publish(n);
        await follower.upToDate(STALL_MS);
      }
      await new Promise((r) => setTimeout(r, STALL_MS + 200));
      assert.equal(seen.length, 20);
      assert.equal(follower.restarts, 0);
      assert.equal(s.consumers.length, 1);
    } finally {
      follower.stop();
    }
  });
});
