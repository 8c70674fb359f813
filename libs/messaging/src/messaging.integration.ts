// The messaging library against a real nats-server: provisioning, publish dedupe,
// settlement (ack, nak with delay, dead-letter), batches and graceful stop.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { ConsumerSpec, StreamSpec } from '@hookline/contracts';
import { correlation, createLogger } from '@hookline/observability';
import { findNatsServer, freePort, NatsServerHandle, startNatsServer } from '@hookline/local-stack';
import { tempDir } from '@hookline/testing';
import { ConsumerHost } from './consumer-host';
import { PoisonMessageError, RetryableError } from './errors';
import { NatsClient } from './nats-client';
import { ensureConsumer, ensureStream, retireConsumer } from './provisioner';
import { JetStreamPublisher } from './publisher';
import { StreamFollower, StuckFollowerError, UnreadableMessageError } from './stream-follower';

const quiet = createLogger({ service: 'test', version: '0', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

const stream: StreamSpec = { name: 'T_EVENTS', subjects: ['t.events.>'], maxAgeMs: 3_600_000, duplicateWindowMs: 60_000, retention: 'limits' };
const dlq: StreamSpec = { name: 'HOOKLINE_DEADLETTER', subjects: ['hookline.dlq.>'], maxAgeMs: 3_600_000, duplicateWindowMs: 60_000, retention: 'limits' };
const consumerSpec = (durable: string, filter: string): ConsumerSpec => ({ stream: stream.name, durable, filterSubject: filter, ackWaitMs: 5000, maxDeliver: 3, maxAckPending: 100 });

async function messagingFor(url: string) {
  const client = new NatsClient({ natsUrl: url, name: 'test' }, quiet);
  await client.connect();
  const publisher = new JetStreamPublisher(client, quiet);
  const host = new ConsumerHost(client, publisher, quiet);
  return { client, publisher, host };
}

const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('messaging against nats-server', () => {
  let nats: NatsServerHandle;
  const dir = tempDir('nats');
  before(async () => {
    nats = await startNatsServer({ storeDir: dir.path });
  });
  after(async () => {
    await nats?.stop();
    dir.remove();
  });

  it('creates streams and consumers idempotently and updates changed settings', async () => {
    const { client } = await messagingFor(nats.url);
    try {
      await ensureStream(client.jsm, stream);
      await ensureStream(client.jsm, stream);
      await ensureStream(client.jsm, { ...stream, subjects: ['t.events.>', 't.more.>'] });
      const info = await client.jsm.streams.info(stream.name);
      assert.deepEqual(info.config.subjects.sort(), ['t.events.>', 't.more.>']);
      await ensureStream(client.jsm, stream);
      await ensureStream(client.jsm, dlq);
      const spec = consumerSpec('c-prov', 't.events.prov');
      await ensureConsumer(client.jsm, spec);
      await ensureConsumer(client.jsm, { ...spec, ackWaitMs: 7000 });
      const ci = await client.jsm.consumers.info(stream.name, 'c-prov');
      assert.equal(ci.config.ack_wait, 7000 * 1_000_000);
      // startAt 'new': a consumer added to a stream that already holds messages starts after them.
      const js = client.js;
      await js.publish('t.events.late', 'before');
      await ensureConsumer(client.jsm, { ...consumerSpec('c-new', 't.events.late'), startAt: 'new' });
      await js.publish('t.events.late', 'after');
      const late = await client.jsm.consumers.info(stream.name, 'c-new');
      assert.equal(late.num_pending, 1, 'only the message published after the consumer was created');
      // A consumer no longer declared is deleted once; deleting one that is gone is fine.
      await ensureConsumer(client.jsm, consumerSpec('c-retired', 't.events.old'));
      assert.equal(await retireConsumer(client.jsm, stream.name, 'c-retired'), true);
      assert.equal(await retireConsumer(client.jsm, stream.name, 'c-retired'), false);
      await assert.rejects(client.jsm.consumers.info(stream.name, 'c-retired'));
    } finally {
      await client.onApplicationShutdown();
    }
  });

  it('a repeated msg id is a duplicate PubAck and counts as success', async () => {
    const { client, publisher } = await messagingFor(nats.url);
    try {
      const a = await publisher.publishRaw('t.events.dup', '{"a":1}', { msgId: 'same-id' });
      const b = await publisher.publishRaw('t.events.dup', '{"a":1}', { msgId: 'same-id' });
      assert.equal(a.duplicate, false);
      assert.equal(b.duplicate, true);
      assert.equal(a.seq, b.seq);
    } finally {
      await client.onApplicationShutdown();
    }
  });

  it('a publish made while nats-server is down succeeds once it is back, without a second copy', async () => {
    const { client, publisher } = await messagingFor(nats.url);
    try {
      await nats.kill('SIGKILL');
      const pending = publisher.publishRaw('t.events.outage', '{"x":1}', { msgId: 'outage-1', deadlineMs: 20_000 });
      await new Promise((r) => setTimeout(r, 500));
      await nats.start();
      const res = await pending;
      assert.equal(res.stream, stream.name);
      const again = await publisher.publishRaw('t.events.outage', '{"x":1}', { msgId: 'outage-1' });
      assert.equal(again.duplicate, true);
    } finally {
      await client.onApplicationShutdown();
    }
  });

  it('acks on success, naks and redelivers on a retryable error, dead-letters poison', async () => {
    const { client, publisher, host } = await messagingFor(nats.url);
    const spec = consumerSpec('c-settle', 't.events.settle');
    await ensureConsumer(client.jsm, spec);
    const seen: Record<string, number> = {};
    host.register(spec, 'host-event', async (msg) => {
      const kind = (msg.payload as unknown as { kind: string }).kind;
      seen[kind] = (seen[kind] ?? 0) + 1;
      if (kind === 'flaky' && seen[kind] < 3) throw new RetryableError('not yet', 50);
      if (kind === 'poison') throw new PoisonMessageError('cannot ever work');
      if (kind === 'broken') throw new Error('always fails');
    });
    host.onApplicationBootstrap();
    try {
      for (const kind of ['ok', 'flaky', 'poison', 'broken']) await publisher.publishRaw('t.events.settle', JSON.stringify({ kind }), { msgId: `settle-${kind}` });
      await publisher.publishRaw('t.events.settle', 'not json{', { msgId: 'settle-garbage' });
      await until('every message settled', async () => {
        const info = await client.jsm.consumers.info(stream.name, 'c-settle');
        return info.num_ack_pending === 0 && info.num_pending === 0 && seen.broken === 3;
      }, 20_000);
      assert.equal(seen.ok, 1);
      assert.equal(seen.flaky, 3, 'redelivered until it worked');
      assert.equal(seen.poison, 1, 'poison is not retried');
      assert.equal(seen.broken, 3, 'an unknown error is retried up to maxDeliver');
      const dl = await client.jsm.streams.info('HOOKLINE_DEADLETTER', { subjects_filter: '>' });
      assert.equal(dl.state.subjects?.['hookline.dlq.c-settle'], 3, 'poison, garbage and the exhausted one');
      const m = await client.jsm.streams.getMessage('HOOKLINE_DEADLETTER', { last_by_subj: 'hookline.dlq.c-settle' });
      assert.ok(m?.header.get('Hookline-Dlq-Reason'));
      assert.equal(m?.header.get('Hookline-Dlq-Subject'), 't.events.settle');
    } finally {
      await host.onModuleDestroy();
      await client.onApplicationShutdown();
    }
  });

  it('decodes a body on its first read: a handler that reads only the subject settles a non-JSON message, one that reads the body dead-letters it', async () => {
    const { client, publisher, host } = await messagingFor(nats.url);
    const spec = consumerSpec('c-lazy', 't.events.lazy.>');
    await ensureConsumer(client.jsm, spec);
    const subjectsSeen: string[] = [];
    const bodies: unknown[] = [];
    host.register(spec, 'host-event', async (msg) => {
      subjectsSeen.push(msg.subject);
      if (msg.subject.endsWith('.read')) bodies.push(msg.payload);
    });
    host.onApplicationBootstrap();
    try {
      await publisher.publishRaw('t.events.lazy.skip', 'not json{', { msgId: 'lazy-skip' });
      await publisher.publishRaw('t.events.lazy.read', 'not json{', { msgId: 'lazy-read' });
      await publisher.publishRaw('t.events.lazy.read', '{"fine":true}', { msgId: 'lazy-fine' });
      await until('every message settled', async () => {
        const info = await client.jsm.consumers.info(stream.name, 'c-lazy');
        return info.num_ack_pending === 0 && info.num_pending === 0 && subjectsSeen.length === 3;
      }, 20_000);
      assert.deepEqual(bodies, [{ fine: true }], 'the unreadable body never reached the handler');
      const dl = await client.jsm.streams.info('HOOKLINE_DEADLETTER', { subjects_filter: '>' });
      assert.equal(dl.state.subjects?.['hookline.dlq.c-lazy'], 1, 'only the body that was read and is not JSON');
      const m = await client.jsm.streams.getMessage('HOOKLINE_DEADLETTER', { last_by_subj: 'hookline.dlq.c-lazy' });
      assert.equal(m?.header.get('Hookline-Dlq-Subject'), 't.events.lazy.read');
      assert.match(m?.header.get('Hookline-Dlq-Reason') ?? '', /not JSON/);
    } finally {
      await host.onModuleDestroy();
      await client.onApplicationShutdown();
    }
  });

  it('handles a message naming a correlation id inside a scope of it, or, registered with scope: false, outside any, with the id on the message', async () => {
    const { client, publisher, host } = await messagingFor(nats.url);
    const scoped = consumerSpec('c-corr-scoped', 't.events.corr.>');
    const unscoped = consumerSpec('c-corr-unscoped', 't.events.corr.>');
    await ensureConsumer(client.jsm, scoped);
    await ensureConsumer(client.jsm, unscoped);
    const seen: Record<string, { current?: string; given?: string; open: number }[]> = { scoped: [], unscoped: [] };
    const look = (into: string) => async (msg: { correlationId?: string }) => {
      await new Promise((r) => setTimeout(r, 2));
      seen[into].push({ current: correlation.current(), given: msg.correlationId, open: correlation.openScopes() });
    };
    host.register(scoped, 'host-event', look('scoped'));
    host.register(unscoped, 'host-event', look('unscoped'), { scope: false, concurrency: 1 });
    host.onApplicationBootstrap();
    try {
      await publisher.publishRaw('t.events.corr.a', '{}', { msgId: 'corr-a', headers: { 'Hookline-Correlation-Id': 'corr-1' } });
      await until('both consumers handled it', () => seen.scoped.length === 1 && seen.unscoped.length === 1);
      assert.equal(seen.scoped[0].current, 'corr-1');
      assert.equal(seen.scoped[0].given, 'corr-1');
      assert.equal(seen.unscoped[0].given, 'corr-1');
      assert.equal(seen.unscoped[0].current, undefined, 'no scope: the id comes with the message only');
      await until('every scope closed', () => correlation.openScopes() === 0);
    } finally {
      await host.onModuleDestroy();
      await client.onApplicationShutdown();
    }
  });

  it('batches messages, and isolates a poison message inside a batch', async () => {
    const { client, publisher, host } = await messagingFor(nats.url);
    const spec = consumerSpec('c-batch', 't.events.batch');
    await ensureConsumer(client.jsm, spec);
    const batches: number[] = [];
    const handled = new Set<number>();
    host.registerBatch(spec, 'host-event', async (msgs) => {
      batches.push(msgs.length);
      const ns = msgs.map((m) => (m.payload as unknown as { n: number }).n);
      if (ns.includes(13)) throw new PoisonMessageError('13 is poison');
      for (const n of ns) handled.add(n);
    }, { maxBatch: 50, maxWaitMs: 50 });
    try {
      await Promise.all(Array.from({ length: 200 }, (_, n) => publisher.publishRaw('t.events.batch', JSON.stringify({ n }), { msgId: `batch-${n}` })));
      host.onApplicationBootstrap();
      await until('all but the poison handled', () => handled.size === 199, 20_000);
      assert.ok(!handled.has(13));
      assert.ok(batches.some((b) => b > 1), `batches: ${batches.join(',')}`);
      assert.ok(Math.max(...batches) <= 50);
    } finally {
      await host.onModuleDestroy();
      await client.onApplicationShutdown();
    }
  });

  it('gathered batches: a message reaching an idle consumer goes alone, what arrives meanwhile comes in full batches in stream order, poison is isolated', async () => {
    const { client, publisher, host } = await messagingFor(nats.url);
    const spec = consumerSpec('c-gather', 't.events.gather');
    await ensureConsumer(client.jsm, spec);
    const batches: number[][] = [];
    let gate!: () => void;
    const held = new Promise<void>((r) => (gate = r));
    host.registerBatch(spec, 'host-event', async (msgs) => {
      const ns = msgs.map((m) => (m.payload as unknown as { n: number }).n);
      if (ns.includes(113)) throw new PoisonMessageError('113 is poison');
      batches.push(ns);
      if (batches.length === 1) await held;
    }, { maxBatch: 50, maxWaitMs: 100, concurrency: 1, gather: true });
    host.onApplicationBootstrap();
    try {
      await publisher.publishRaw('t.events.gather', JSON.stringify({ n: 0 }), { msgId: 'gather-0' });
      await until('the first message handled', () => batches.length === 1);
      assert.deepEqual(batches[0], [0], 'an idle consumer does not wait to fill a batch');
      // While the first batch is held, 120 more are stored: the next pulls take them 50 at a time.
      for (let n = 1; n <= 120; n++) await publisher.publishRaw('t.events.gather', JSON.stringify({ n }), { msgId: `gather-${n}` });
      gate();
      await until('every message settled', async () => {
        const info = await client.jsm.consumers.info(stream.name, 'c-gather');
        return info.num_ack_pending === 0 && info.num_pending === 0;
      });
      const handled = batches.flat();
      assert.deepEqual(handled, Array.from({ length: 121 }, (_, n) => n).filter((n) => n !== 113), 'in stream order, every message but the poison once');
      // The batch holding the poison (101-120) failed and was handled again one message at a time.
      assert.deepEqual(batches.map((b) => b.length), [1, 50, 50, ...Array(19).fill(1)], 'full batches of what was pending');
      const dl = await client.jsm.streams.info('HOOKLINE_DEADLETTER', { subjects_filter: '>' });
      assert.equal(dl.state.subjects?.['hookline.dlq.c-gather'], 1, 'the poison message dead-lettered alone');
    } finally {
      gate();
      await host.onModuleDestroy();
      await client.onApplicationShutdown();
    }
  });

  it('gathered batches: a backlog is taken in full batches one after the other, the linger only spaces batches that were not full', async () => {
    const { client, publisher, host } = await messagingFor(nats.url);
    const spec = consumerSpec('c-gather-backlog', 't.events.gather-backlog');
    await ensureConsumer(client.jsm, spec);
    // 45 waiting before the consumer starts: with a linger of 20 s, holding each full batch
    // back would take 60 s for the first four batches.
    for (let n = 1; n <= 45; n++) await publisher.publishRaw('t.events.gather-backlog', JSON.stringify({ n }), { msgId: `gather-backlog-${n}` });
    const batches: number[][] = [];
    host.registerBatch(spec, 'host-event', async (msgs) => {
      batches.push(msgs.map((m) => (m.payload as unknown as { n: number }).n));
    }, { maxBatch: 10, maxWaitMs: 20_000, concurrency: 1, gather: true });
    host.onApplicationBootstrap();
    try {
      await until('every message of the backlog', () => batches.flat().length === 45, 15_000);
      const range = (first: number, n: number) => Array.from({ length: n }, (_, i) => first + i);
      assert.deepEqual(batches, [range(1, 10), range(11, 10), range(21, 10), range(31, 10), range(41, 5)], 'full batches in stream order, then the rest');
      // The last batch was not full: one more message now waits for the linger.
      await publisher.publishRaw('t.events.gather-backlog', JSON.stringify({ n: 46 }), { msgId: 'gather-backlog-46' });
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(batches.length, 5, 'after a batch that was not full, the next waits for the linger');
    } finally {
      await host.onModuleDestroy();
      await client.onApplicationShutdown();
    }
  });

  it('a batch handler can leave one message for later: it comes back after its delay, the others are acked, and waiting never counts toward dead-lettering', async () => {
    const { client, publisher, host } = await messagingFor(nats.url);
    const spec = consumerSpec('c-defer', 't.events.defer');
    await ensureConsumer(client.jsm, spec);
    const seen: { n: number; delivery: number; failed: number; at: number }[] = [];
    host.registerBatch(spec, 'host-event', async (msgs) => {
      for (const m of msgs) {
        const n = (m.payload as unknown as { n: number }).n;
        seen.push({ n, delivery: m.deliveryCount, failed: m.failedDeliveries, at: Date.now() });
        // 2 waits for more deliveries than the consumer's maxDeliver (3) allows a failure,
        // then fails once: counted by the server's deliveries (4) it would be dead-lettered.
        if (n === 2 && m.deliveryCount < 4) m.defer(200, 'not yet');
        if (n === 2 && m.deliveryCount === 4) throw new Error('a transient failure after the waits');
      }
    }, { maxBatch: 10, maxWaitMs: 100, concurrency: 1, gather: true });
    host.onApplicationBootstrap();
    try {
      for (let n = 1; n <= 3; n++) await publisher.publishRaw('t.events.defer', JSON.stringify({ n }), { msgId: `defer-${n}` });
      await until('2 handled a fifth time', () => seen.some((s) => s.n === 2 && s.delivery === 5), 20_000);
      await until('every message settled', async () => {
        const info = await client.jsm.consumers.info(stream.name, 'c-defer');
        return info.num_ack_pending === 0 && info.num_pending === 0;
      });
      assert.deepEqual(seen.filter((s) => s.n !== 2).map((s) => [s.n, s.delivery]), [[1, 1], [3, 1]], 'the others were acked the first time');
      const twos = seen.filter((s) => s.n === 2);
      assert.deepEqual([...new Set(twos.map((s) => s.delivery))], [1, 2, 3, 4, 5]);
      const fourth = twos.filter((s) => s.delivery === 4);
      assert.ok(fourth.length > 0 && fourth.every((s) => s.failed === 1), 'after three waits, the fourth delivery is its first that can fail');
      assert.equal(twos.find((s) => s.delivery === 5)?.failed, 2);
      for (let i = 1; i < 4; i++) assert.ok(twos[i].at - twos[i - 1].at >= 150, `handed back with its delay (${twos[i].at - twos[i - 1].at} ms)`);
      const dl = await client.jsm.streams.info('HOOKLINE_DEADLETTER', { subjects_filter: '>' });
      assert.equal(dl.state.subjects?.['hookline.dlq.c-defer'], undefined, 'nothing dead-lettered');
    } finally {
      await host.onModuleDestroy();
      await client.onApplicationShutdown();
    }
  });

  it('a gathered consumer goes on after nats-server restarts', async () => {
    const { client, publisher, host } = await messagingFor(nats.url);
    const spec = consumerSpec('c-gather-restart', 't.events.gather-restart');
    await ensureConsumer(client.jsm, spec);
    const handled: number[] = [];
    host.registerBatch(spec, 'host-event', async (msgs) => {
      for (const m of msgs) handled.push((m.payload as unknown as { n: number }).n);
    }, { maxBatch: 20, maxWaitMs: 50, gather: true });
    host.onApplicationBootstrap();
    try {
      await publisher.publishRaw('t.events.gather-restart', JSON.stringify({ n: 1 }), { msgId: 'gr-1' });
      await until('the message before the restart', () => handled.length === 1);
      await nats.kill('SIGKILL');
      await nats.start();
      await publisher.publishRaw('t.events.gather-restart', JSON.stringify({ n: 2 }), { msgId: 'gr-2', deadlineMs: 20_000 });
      await until('the message after the restart', () => handled.includes(2), 20_000);
      // The ack of the first can be lost with the server (a SIGKILL keeps its stored messages,
      // not always the consumer's last acknowledgements): it may come again, at least once.
      assert.deepEqual([...new Set(handled)].sort(), [1, 2]);
      assert.equal(handled.filter((n) => n === 2).length, 1);
    } finally {
      await host.onModuleDestroy();
      await client.onApplicationShutdown();
    }
  });

  it('graceful stop lets in-flight handlers finish and ack', async () => {
    const { client, publisher, host } = await messagingFor(nats.url);
    const spec = consumerSpec('c-stop', 't.events.stop');
    await ensureConsumer(client.jsm, spec);
    let started = 0;
    let finished = 0;
    host.register(spec, 'host-event', async () => {
      started++;
      await new Promise((r) => setTimeout(r, 300));
      finished++;
    }, { concurrency: 4 });
    for (let i = 0; i < 4; i++) await publisher.publishRaw('t.events.stop', '{}', { msgId: `stop-${i}` });
    host.onApplicationBootstrap();
    await until('handlers running', () => started === 4);
    await host.onModuleDestroy();
    assert.equal(finished, 4);
    const nc = await connect({ servers: nats.url });
    try {
      const info = await (await jetstreamManager(nc)).consumers.info(stream.name, 'c-stop');
      assert.equal(info.num_ack_pending, 0);
      assert.equal(info.num_pending, 0);
    } finally {
      await nc.close();
      await client.onApplicationShutdown();
    }
  });

  it('a follower stops at a message its projection cannot read, says where, and moves on only past a sequence it is told to skip', async () => {
    const { client, publisher } = await messagingFor(nats.url);
    const spec: StreamSpec = { name: 'T_FOLLOW', subjects: ['t.follow.>'], maxAgeMs: 0, duplicateWindowMs: 60_000, retention: 'limits' };
    await ensureStream(client.jsm, spec);
    const lines: string[] = [];
    const logger = createLogger({ service: 'test', version: '0', level: 'info', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    const seen: unknown[] = [];
    const apply = (m: { payload: unknown }) => {
      if ((m.payload as { bad?: boolean }).bad) throw new UnreadableMessageError('a change of an unknown shape');
      seen.push(m.payload);
    };
    await publisher.publishRaw('t.follow.a', '{"n":1}', { msgId: 'f1' });
    await publisher.publishRaw('t.follow.a', '{"bad":true}', { msgId: 'f2' });
    await publisher.publishRaw('t.follow.a', 'not json', { msgId: 'f3' });
    await publisher.publishRaw('t.follow.a', '{"n":4}', { msgId: 'f4' });
    try {
      const stuck = new StreamFollower(client, spec.name, apply, logger);
      await stuck.start();
      await until('the follower to stop', () => stuck.stuck !== undefined);
      assert.deepEqual(seen, [{ n: 1 }], 'nothing after the unreadable message is applied');
      assert.equal(stuck.caughtUp, false);
      assert.deepEqual(stuck.stuck, { stream: 'T_FOLLOW', subject: 't.follow.a', seq: 2, reason: 'a change of an unknown shape' });
      assert.throws(() => stuck.assertServing(), StuckFollowerError);
      await assert.rejects(stuck.upToDate(), StuckFollowerError);
      const line = lines.find((l) => l.includes('"seq":2'));
      assert.ok(line && /T_FOLLOW/.test(line) && /t\.follow\.a/.test(line) && /HOOKLINE_REGISTRY_SKIP=2/.test(line), line);
      stuck.stop();

      // The operator skips 2; the next unreadable one (3, not JSON) stops it again.
      seen.length = 0;
      const skipping = new StreamFollower(client, spec.name, apply, logger, { skip: new Set([2]) });
      await skipping.start();
      await until('the follower to stop at 3', () => skipping.stuck !== undefined);
      assert.equal(skipping.stuck?.seq, 3);
      assert.equal(skipping.stuck?.reason, 'not JSON');
      skipping.stop();

      seen.length = 0;
      const past = new StreamFollower(client, spec.name, apply, logger, { skip: new Set([2, 3]) });
      await past.start();
      await past.whenCaughtUp();
      assert.deepEqual(seen, [{ n: 1 }, { n: 4 }]);
      await past.upToDate();
      assert.ok(lines.some((l) => /skipping a message an operator named to skip/.test(l) && l.includes('"seq":3')));
      past.stop();
    } finally {
      await client.onApplicationShutdown();
    }
  });

  it('a follower goes on after nats-server restarts, also when nothing is published for longer than a pull request lives', async () => {
    const { client, publisher } = await messagingFor(nats.url);
    const spec: StreamSpec = { name: 'T_FOLLOW_RESTART', subjects: ['t.follow-restart.>'], maxAgeMs: 0, duplicateWindowMs: 60_000, retention: 'limits' };
    await ensureStream(client.jsm, spec);
    const seen: number[] = [];
    const follower = new StreamFollower(client, spec.name, (m) => void seen.push((m.payload as { n: number }).n), quiet);
    try {
      await publisher.publishRaw('t.follow-restart.a', '{"n":0}', { msgId: 'fr0' });
      await follower.start();
      await follower.whenCaughtUp();
      // Published at once after a restart, then after a quiet spell longer than the 30 s a
      // pull request of the client's ordered consumer lives (the listener crash test's
      // webhook-listener went 404 on a new listener there: its view had stopped).
      for (const [n, quietMs] of [[1, 0], [2, 0], [3, 35_000]]) {
        await nats.kill('SIGKILL');
        await nats.start();
        if (quietMs) await new Promise((r) => setTimeout(r, quietMs));
        await publisher.publishRaw('t.follow-restart.a', `{"n":${n}}`, { msgId: `fr${n}`, deadlineMs: 20_000 });
        await follower.upToDate(10_000);
        assert.ok(seen.includes(n), `message ${n} applied`);
      }
      assert.deepEqual(seen, [0, 1, 2, 3], 'each message once, in order');
    } finally {
      follower.stop();
      await client.onApplicationShutdown();
    }
  });

  it('upToDate waits for every message published before it was called, and answers at once when there is none', async () => {
    const { client, publisher } = await messagingFor(nats.url);
    const spec: StreamSpec = { name: 'T_UPTODATE', subjects: ['t.uptodate.>'], maxAgeMs: 0, duplicateWindowMs: 60_000, retention: 'limits' };
    await ensureStream(client.jsm, spec);
    const logger = createLogger({ service: 'test', version: '0', level: 'silent' });
    let applied = 0;
    // A projection that takes its time, so a change can be in the stream but not yet applied.
    const follower = new StreamFollower(client, spec.name, () => void applied++, logger);
    try {
      await publisher.publishRaw('t.uptodate.a', '{"n":1}', { msgId: 'u1' });
      await follower.start();
      await follower.whenCaughtUp();
      await follower.upToDate();
      assert.equal(applied, 1);
      // Repeatedly: publish, and the very next upToDate sees it applied. (Hundreds of times:
      // an answer taken from a consumer's pending count missed about one in 3,000.)
      for (let n = 2; n <= 300; n++) {
        await publisher.publishRaw('t.uptodate.a', `{"n":${n}}`, { msgId: `u${n}` });
        await follower.upToDate();
        assert.equal(applied, n, `message ${n} applied before upToDate resolved`);
      }
      // Several published at once, then many callers at once: all see them all.
      await Promise.all([301, 302, 303].map((n) => publisher.publishRaw('t.uptodate.a', `{"n":${n}}`, { msgId: `u${n}` })));
      await Promise.all(Array.from({ length: 20 }, () => follower.upToDate()));
      assert.equal(applied, 303);
      // Nothing new: it answers without waiting for anything.
      await follower.upToDate();
      assert.equal(applied, 303);
    } finally {
      follower.stop();
      await client.onApplicationShutdown();
    }
  });
});

/**
 * Three nats-servers clustered with JetStream, as the NATS Helm chart runs them in
 * production (deploy/k8s/nats/values.yaml): HOOKLINE_STREAM_REPLICAS=3 makes every
 * stream keep three copies, and an installation that grew from one copy is brought up to
 * three in place.
 */
describe('stream replicas on a 3-node JetStream cluster', () => {
  const dir = tempDir('nats-cluster');
  let servers: ChildProcess[] = [];
  let url = '';

  const stopAll = () =>
    Promise.all(servers.map((s) => new Promise((r) => (s.exitCode !== null || s.signalCode !== null ? r(null) : (s.once('exit', r), s.kill('SIGTERM'))))));

  /**
   * Starts three routed nats-servers and resolves once every one of them has a JetStream
   * meta leader (the leader says "Self is new…", the others name it), so a stream can be
   * placed on all three. nats-server 2.10 sometimes leaves a node that raced its peers'
   * routes ("Duplicate Route") outside the meta group for minutes; the group then has two
   * peers and refuses three replicas ("no suitable peers for placement"). That is a
   * startup race of nats-server's, not what this suite tests, so a cluster that has not
   * formed in 20 s (every node knowing the leader, and a three-replica stream placed) is
   * stopped and formed again on new ports and an empty store.
   */
  async function formCluster(attempt: number): Promise<string[]> {
    const clientPorts = [await freePort(), await freePort(), await freePort()];
    const routePorts = [await freePort(), await freePort(), await freePort()];
    const outputs: string[] = ['', '', ''];
    servers = [0, 1, 2].map((i) => {
      const routes = routePorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`).join(',');
      const args = ['-js', '-a', '127.0.0.1', '-p', String(clientPorts[i]), '-sd', join(dir.path, `a${attempt}n${i}`), '-n', `n${i}`, '--cluster_name', 'hookline', '--cluster', `nats://127.0.0.1:${routePorts[i]}`, '--routes', routes];
      const child = spawn(findNatsServer(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stderr?.on('data', (d: Buffer) => (outputs[i] += d.toString()));
      return child;
    });
    url = clientPorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
    return outputs;
  }

  /**
   * Places a three-replica probe stream and removes it: the meta leader has every peer's
   * details. Seen in CI (5 December): every node knew the leader, and placement was still
   * refused for 30 s ("no suitable peers for placement"), the same race seen from the
   * placement side.
   */
  async function placesThreeReplicas(ms: number): Promise<void> {
    const { client } = await messagingFor(url);
    let refused: unknown;
    try {
      await until('a three-replica probe stream placed', async () => {
        try {
          await client.jsm.streams.add({ name: 'R_PROBE', subjects: ['r.probe.>'], num_replicas: 3 });
          await client.jsm.streams.delete('R_PROBE');
          return true;
        } catch (err) {
          refused = err;
          return false;
        }
      }, ms).catch((err: Error) => {
        throw new Error(`${err.message}; the last refusal: ${String(refused)}`);
      });
    } finally {
      await client.onApplicationShutdown();
    }
  }

  before(async () => {
    const knowsLeader = (o: string) => /JetStream cluster new metadata leader|Self is new JetStream cluster metadata leader/.test(o);
    for (let attempt = 1; ; attempt++) {
      const outputs = await formCluster(attempt);
      try {
        await until('every node to know the JetStream meta leader', () => outputs.every(knowsLeader), 20_000);
        await placesThreeReplicas(20_000);
        return;
      } catch (err) {
        await stopAll();
        if (attempt === 3) throw new Error(`${(err as Error).message} (three clusters in a row); the nodes that never did:\n${outputs.filter((o) => !knowsLeader(o)).join('\n---\n')}`);
      }
    }
  });
  after(async () => {
    await stopAll();
    dir.remove();
  });

  it('creates streams with 3 replicas, and raises an existing stream from 1 to 3', async () => {
    const { client } = await messagingFor(url);
    try {
      const events: StreamSpec = { ...stream, name: 'R_EVENTS', subjects: ['r.events.>'] };
      let refused: unknown;
      await until('the stream placed on three servers', async () => {
        try {
          await ensureStream(client.jsm, events, 3);
          return true;
        } catch (err) {
          refused = err; // the meta leader may not have every peer's details yet
          return false;
        }
      }, 30_000).catch((err: Error) => {
        throw new Error(`${err.message}; the last refusal: ${String(refused)}`);
      });
      const info = await client.jsm.streams.info(events.name);
      assert.equal(info.config.num_replicas, 3);
      assert.equal(info.cluster?.replicas?.length, 2, 'a leader and two replicas');

      const grown: StreamSpec = { ...stream, name: 'R_GROWN', subjects: ['r.grown.>'] };
      await ensureStream(client.jsm, grown, 1);
      assert.equal((await client.jsm.streams.info(grown.name)).config.num_replicas, 1);
      await ensureStream(client.jsm, grown, 3);
      assert.equal((await client.jsm.streams.info(grown.name)).config.num_replicas, 3);
    } finally {
      await client.onApplicationShutdown();
    }
  });
});
