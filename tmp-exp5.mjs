import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
const bin = process.env.NATS_BIN ?? 'nats-server';
const dir = mkdtempSync('/tmp/dd/js-');
const port = 14995;
let srv;
const sleep = (ms) => new Promise(r => setTimeout(r, ms));
const start = () => { srv = spawn(bin, ['-js', '-sd', dir, '-p', String(port)], { stdio: 'ignore' }); return sleep(700); };
await start();
let nc = await connect({ servers: `127.0.0.1:${port}`, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
let jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: 'WQ', subjects: ['wq.>'], retention: 'workqueue', duplicate_window: 120e9 });
await jsm.consumers.add('WQ', { durable_name: 'c', ack_policy: AckPolicy.Explicit, ack_wait: 5e9 });
let n = 0;
for (let round = 0; round < Number(process.env.ROUNDS ?? 20); round++) {
  let js = jetstream(nc);
  let c = await js.consumers.get('WQ', 'c');
  let stop = false;
  const pub = (async () => { while (!stop) { try { await js.publish('wq.a', String(n), { msgID: 'M' + n }); n++; } catch { await sleep(50); } } })();
  const sub = (async () => { while (!stop) { try { const ms = await c.fetch({ max_messages: 50, expires: 1000 }); for await (const m of ms) m.ack(); } catch { await sleep(50); } } })();
  await sleep(300 + Math.random() * 700);
  const before = await jsm.consumers.info('WQ', 'c');
  const sbefore = (await jsm.streams.info('WQ')).state;
  await sleep(Math.random() * 30);
  srv.kill('SIGKILL'); stop = true;
  await sleep(200);
  await start();
  await Promise.race([Promise.all([pub, sub]), sleep(3000)]);
  await nc.close();
  nc = await connect({ servers: `127.0.0.1:${port}` });
  jsm = await jetstreamManager(nc);
  const after = await jsm.consumers.info('WQ', 'c');
  const s = (await jsm.streams.info('WQ')).state;
  // drain whatever is there now, then publish a probe and see whether it arrives within 8 s (ack wait 5 s)
  js = jetstream(nc); c = await js.consumers.get('WQ', 'c');
  const probe = `probe-${round}`;
  await js.publish('wq.a', probe, { msgID: probe });
  let got = false; const t0 = Date.now();
  while (!got && Date.now() - t0 < 8000) { const ms = await c.fetch({ max_messages: 500, expires: 1000 }); for await (const m of ms) { if (m.string() === probe) got = true; m.ack(); } }
  console.log(`round ${round}: before stream last ${sbefore.last_seq} floor ${before.ack_floor.stream_seq} | after: stream first ${s.first_seq} last ${s.last_seq} msgs ${s.messages} floor ${after.ack_floor.stream_seq} delivered ${after.delivered.stream_seq} pending ${after.num_pending} ackp ${after.num_ack_pending} | probe ${got ? 'arrived' : 'NEVER ARRIVED <<<<<'}`);
}
await nc.close(); srv.kill('SIGKILL');
process.exit(0);
