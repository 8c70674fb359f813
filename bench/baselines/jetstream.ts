// Raw JetStream on the platform's own nats-server: publish awaiting each PubAck,
// publish with many in flight, and a pull consumer acking each message.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsClient, JetStreamPublisher } from '@hookline/messaging';
import { createLogger } from '@hookline/observability';
import { nowMs } from '../lib/clock';
import { closedLoop } from '../lib/load';
import { rawBody } from '../lib/payload';
import { rate } from '../lib/stats';
import type { BenchOptions } from '../lib/options';
import type { Results } from '../lib/results';

const STREAM = 'BENCH_RAW';

export async function jetstreamBaselines(o: BenchOptions, natsUrl: string, results: Results): Promise<void> {
  // noAsyncTraces: no Error (with its stack) made up front for every publish; the raw ceiling.
  const nc = await connect({ servers: natsUrl, name: 'bench-baseline', noAsyncTraces: true });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(STREAM).catch(() => undefined);
    // Like the platform's streams: file storage, one replica, a duplicate window for Nats-Msg-Id.
    await jsm.streams.add({ name: STREAM, subjects: ['bench.raw.>'], storage: StorageType.File, retention: RetentionPolicy.Limits, num_replicas: 1 });
    const js = jetstream(nc);
    const body = new TextEncoder().encode(rawBody(0, nowMs()));
    const publish = (i: number) => js.publish(`bench.raw.${i % 16}`, body, { msgID: `raw-${i}`, timeout: 5000 }).then(() => undefined);

    const seq = await closedLoop({ concurrency: 1, maxOps: o.jsSequential, maxMs: 20_000, op: (i) => publish(i) });
    results.add({ id: 'baseline.js.sequential', section: 'baseline', label: 'JetStream publish 1 KB, awaiting each ack', value: rate(seq.ops, seq.elapsedMs), unit: 'msg/s', extra: { ...seq } });

    const base = seq.ops;
    const piped = await closedLoop({ concurrency: o.jsWindow, maxOps: o.jsPipelined, maxMs: 30_000, op: (i) => publish(base + i) });
    results.add({
      id: 'baseline.js.pipelined',
      section: 'baseline',
      label: `JetStream publish 1 KB, ${o.jsWindow} in flight`,
      value: rate(piped.ops, piped.elapsedMs),
      unit: 'msg/s',
      extra: { ...piped, window: o.jsWindow },
    });
    await publisherComparison(o, natsUrl, base + piped.ops, publish, results);
    if (seq.errors + piped.errors) results.errors.push(`JetStream publish baseline: ${seq.errors + piped.errors} errors (${seq.firstError ?? piped.firstError})`);

    // Consume everything just published, acking each message as the platform's consumers do.
    const total = (await jsm.streams.info(STREAM)).state.messages;
    await jsm.consumers.add(STREAM, { durable_name: 'bench-consume', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_ack_pending: 10_000 });
    const consumer = await js.consumers.get(STREAM, 'bench-consume');
    const started = nowMs();
    const deadline = started + 30_000;
    let got = 0;
    const messages = await consumer.consume({ max_messages: 1000 });
    const timer = setInterval(() => {
      if (nowMs() > deadline) void messages.close();
    }, 200);
    try {
      for await (const m of messages) {
        m.ack();
        if (++got >= total) break;
      }
    } finally {
      clearInterval(timer);
      await messages.close().catch(() => undefined);
    }
    const elapsed = nowMs() - started;
    results.add({ id: 'baseline.js.consume', section: 'baseline', label: 'JetStream pull consume + ack', value: rate(got, elapsed), unit: 'msg/s', extra: { messages: got, elapsedMs: elapsed } });
    await jsm.streams.delete(STREAM).catch(() => undefined);
  } finally {
    await nc.drain().catch(() => nc.close());
  }
}

/**
 * The services publish through @hookline/messaging's JetStreamPublisher (its own request
 * mux, the Nats-Msg-Id and correlation headers, retries with the same id), not js.publish:
 * both with the same window, alternately, with the CPU this process spends per publish.
 */
async function publisherComparison(o: BenchOptions, natsUrl: string, firstIndex: number, rawPublish: (i: number) => Promise<void>, results: Results): Promise<void> {
  const silent = createLogger({ service: 'bench', version: '0', level: 'silent' });
  const client = new NatsClient({ natsUrl, name: 'bench-publisher' }, silent);
  await client.connect();
  try {
    const publisher = new JetStreamPublisher(client, silent);
    const body = rawBody(0, nowMs());
    let next = firstIndex;
    const ours = (i: number) => publisher.publishRaw(`bench.raw.${i % 16}`, body, { msgId: `ours-${i}`, deadlineMs: 5000 }).then(() => undefined);
    const n = Math.max(1000, Math.round(o.jsPipelined / 4));
    const measure = async (op: (i: number) => Promise<void>) => {
      const cpu = process.cpuUsage();
      const r = await closedLoop({ concurrency: 64, maxOps: n, maxMs: 20_000, op: () => op(next++) });
      const used = process.cpuUsage(cpu);
      return { ...r, cpuUs: used.user + used.system };
    };
    const raw = { ops: 0, elapsedMs: 0, cpuUs: 0, errors: 0 };
    const mine = { ops: 0, elapsedMs: 0, cpuUs: 0, errors: 0 };
    for (let round = 0; round < 2; round++) {
      for (const [into, op] of [[raw, rawPublish], [mine, ours]] as const) {
        const r = await measure(op);
        into.ops += r.ops;
        into.elapsedMs += r.elapsedMs;
        into.cpuUs += r.cpuUs;
        into.errors += r.errors;
      }
    }
    const per = (x: typeof raw) => x.cpuUs / Math.max(1, x.ops);
    results.add({
      id: 'baseline.js.rawWindow64',
      section: 'baseline',
      label: 'JetStream publish 1 KB with js.publish (nats.js), 64 in flight',
      value: rate(raw.ops, raw.elapsedMs),
      unit: 'msg/s',
      note: `${(per(raw) / 1000).toFixed(3)} ms CPU per publish in the publishing process`,
      extra: { ...raw, cpuUsPerOp: per(raw) },
    });
    results.add({
      id: 'platform.publisher',
      section: 'platform',
      label: "JetStream publish 1 KB through the services' publisher (@hookline/messaging), 64 in flight",
      value: rate(mine.ops, mine.elapsedMs),
      unit: 'msg/s',
      ratioTo: 'baseline.js.rawWindow64',
      note: `${(per(mine) / 1000).toFixed(3)} ms CPU per publish in the publishing process (${(per(mine) / per(raw)).toFixed(2)}x js.publish's), measured alternately with it, two rounds each`,
      extra: { ...mine, cpuUsPerOp: per(mine) },
    });
    if (raw.errors + mine.errors) results.errors.push(`publisher comparison: ${raw.errors} js.publish and ${mine.errors} publisher errors`);
  } finally {
    await client.onApplicationShutdown();
  }
}
