// Raw JetStream on the platform's own nats-server: publish awaiting each PubAck,
// publish with many in flight, and a pull consumer acking each message.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
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
    if (seq.errors + piped.errors) results.errors.push(`JetStream publish baseline: ${seq.errors + piped.errors} errors (${seq.firstError ?? piped.firstError})`);

    // Consume everything just published, acking each message as the platform's consumers do.
    const total = seq.ops + piped.ops;
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
