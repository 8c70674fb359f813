// A consumer whose place nats-server lost in a crash is put right before it is read again
// (consumer-place.ts). The two states nats-server 2.10 was seen to come back with after a
// SIGKILL are made here on purpose, by stopping the server and removing what it would have
// failed to keep: a work queue's messages (it comes back renumbered from 0, its consumer's
// floor where it was), and a consumer's state file (it comes back at floor 0 over a kept
// stream). Each test fails without the check.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { ConsumerSpec, StreamSpec } from '@hookline/contracts';
import { createLogger, InstanceStats } from '@hookline/observability';
import { NatsServerHandle, startNatsServer } from '@hookline/local-stack';
import { eventually, tempDir } from '@hookline/testing';
import { ConsumerHost, PLACE_CHECK_MS } from './consumer-host';
import { NatsClient } from './nats-client';
import { ensureConsumer, ensureStream } from './provisioner';
import { JetStreamPublisher } from './publisher';

const quiet = createLogger({ service: 'test', version: '0', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const dlq: StreamSpec = { name: 'HOOKLINE_DEADLETTER', subjects: ['hookline.dlq.>'], maxAgeMs: 3_600_000, duplicateWindowMs: 60_000, retention: 'limits' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The folder nats-server keeps a stream in (the global account's). */
const streamDir = (nats: NatsServerHandle, stream: string) => join(nats.storeDir, 'jetstream', '$G', 'streams', stream);

describe('a consumer whose place nats-server lost', () => {
  let nats: NatsServerHandle;
  const dir = tempDir('nats-place');
  before(async () => {
    nats = await startNatsServer({ storeDir: dir.path });
  });
  after(async () => {
    await nats?.stop();
    dir.remove();
  });

  /** A stream of one subject family and the consumer of all of it. */
  function declared(name: string, prefix: string, retention: StreamSpec['retention']) {
    const stream: StreamSpec = { name, subjects: [`${prefix}.>`], maxAgeMs: 3_600_000, duplicateWindowMs: 60_000, retention };
    const spec: ConsumerSpec = { stream: name, durable: `c-${name.toLowerCase()}`, filterSubject: `${prefix}.>`, ackWaitMs: 5000, maxDeliver: 3, maxAckPending: 100 };
    return { stream, spec };
  }

  async function running({ stream, spec }: { stream: StreamSpec; spec: ConsumerSpec }) {
    const client = new NatsClient({ natsUrl: nats.url, name: 'test' }, quiet);
    await client.connect();
    const publisher = new JetStreamPublisher(client, quiet);
    const stats = new InstanceStats();
    const host = new ConsumerHost(client, publisher, quiet, stats);
    await ensureStream(client.jsm, stream);
    await ensureStream(client.jsm, dlq);
    await ensureConsumer(client.jsm, spec);
    const handled: number[] = [];
    host.register(spec, 'host-event', async (m) => void handled.push((m.payload as unknown as { n: number }).n), { concurrency: 4 });
    host.onApplicationBootstrap();
    const publish = (subject: string, n: number) => publisher.publishRaw(subject, JSON.stringify({ n }), { msgId: `${spec.durable}-${n}-${Math.random()}`, deadlineMs: 20_000 });
    const stop = async () => {
      await host.onModuleDestroy();
      await client.onApplicationShutdown();
    };
    /** 30 messages, handled and acked (`acked` tells from the server). */
    const thirtyHandled = async (subject: string, acked: () => Promise<boolean>) => {
      for (let n = 1; n <= 30; n++) await publish(subject, n);
      await eventually('the first 30', async () => handled.length === 30);
      await eventually('all 30 acked', acked);
    };
    return { client, host, stats, handled, publish, thirtyHandled, stop };
  }

  it('ahead of a work queue renumbered from 0: created again, it gets every message stored since', async () => {
    const { stream, spec } = declared('T_WORK', 't.work', 'workqueue');
    const s = await running({ stream, spec });
    try {
      // Acked, a work queue holds none of them.
      await s.thirtyHandled('t.work.a', async () => (await s.client.jsm.streams.info(stream.name)).state.messages === 0);
      // What a crash left: the queue's messages and its state gone, its consumer's state (floor 30) kept.
      await nats.stop();
      const msgs = join(streamDir(nats, stream.name), 'msgs');
      for (const f of readdirSync(msgs)) rmSync(join(msgs, f), { force: true });
      await nats.start();
      const si = await eventually('the stream back after the restart', () => s.client.jsm.streams.info(stream.name));
      assert.equal(si.state.last_seq, 0, 'the stream starts again from sequence 0, as after the crash');
      for (let n = 31; n <= 35; n++) await s.publish('t.work.a', n);
      await eventually('the 5 published after the restart', async () => [31, 32, 33, 34, 35].every((n) => s.handled.includes(n)));
      assert.equal(s.stats.snapshot().work['consumer.repaired.ahead'], 1);
    } finally {
      await s.stop();
    }
  });

  it('reset to floor 0 over a kept stream: created again after the floor it had, nothing handled twice', async () => {
    const { stream, spec } = declared('T_KEPT', 't.kept', 'limits');
    const s = await running({ stream, spec });
    try {
      await s.thirtyHandled('t.kept.a', async () => (await s.client.jsm.consumers.info(stream.name, spec.durable)).ack_floor.stream_seq === 30);
      // The running process reads its consumers' places every PLACE_CHECK_MS: after one, it knows floor 30.
      await sleep(PLACE_CHECK_MS + 1000);
      // What a crash left: the stream kept, the consumer's state gone (it comes back at floor 0).
      await nats.stop();
      rmSync(join(streamDir(nats, stream.name), 'obs', spec.durable, 'o.dat'));
      await nats.start();
      await s.publish('t.kept.a', 31);
      await eventually('the one published after the restart', async () => s.handled.includes(31));
      // Time for a redelivery of 1-30, had there been one.
      await sleep(1000);
      assert.deepEqual([...s.handled].sort((a, b) => a - b), Array.from({ length: 31 }, (_, i) => i + 1), 'each message once');
      assert.equal(s.stats.snapshot().work['consumer.repaired.reset'], 1);
    } finally {
      await s.stop();
    }
  });
});
