// The request mux against a real nats-server: answers reach the request that asked, a
// subject nobody serves and a responder that never answers fail the request (and only it),
// a late answer is dropped, the connection closing fails what waits, and a JetStream publish
// through it is stored, deduplicated, or refused with JetStream's reason.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { NatsServerHandle, startNatsServer } from '@hookline/local-stack';
import { tempDir } from '@hookline/testing';
import { NoRespondersError, readPubAck, RequestAbandonedError, RequestMux, RequestTimeoutError } from './request-mux';

describe('request mux against nats-server', () => {
  let nats: NatsServerHandle;
  let server: NatsConnection;
  let client: NatsConnection;
  const dir = tempDir('nats-mux');
  before(async () => {
    nats = await startNatsServer({ storeDir: dir.path });
    server = await connect({ servers: nats.url });
    client = await connect({ servers: nats.url, noAsyncTraces: true });
    // An echo service that answers with the request's body and a header, after the delay the body asks for.
    server.subscribe('mux.echo', {
      callback: (_err, m) => {
        const { delayMs = 0 } = JSON.parse(m.string()) as { delayMs?: number };
        const h = natsHeaders();
        h.set('X-Echo', m.headers?.get('X-Ask') ?? '');
        setTimeout(() => m.respond(m.data, { headers: h }), delayMs);
      },
    });
    server.subscribe('mux.silent', { callback: () => undefined });
    await server.flush();
  });
  after(async () => {
    await client?.close();
    await server?.close();
    await nats?.stop();
    dir.remove();
  });

  it('gives each of many concurrent requests its own answer, with headers both ways', async () => {
    const mux = new RequestMux(() => client);
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, n) => {
        const h = natsHeaders();
        h.set('X-Ask', `q${n}`);
        return mux.request('mux.echo', JSON.stringify({ n, delayMs: n % 7 }), { timeoutMs: 5000, headers: h });
      }),
    );
    answers.forEach((m, n) => {
      assert.equal((m.json() as { n: number }).n, n);
      assert.equal(m.headers?.get('X-Echo'), `q${n}`);
    });
    assert.equal(mux.pending, 0);
    mux.close();
  });

  it('fails a request nobody serves at once, and one nobody answers after its timeout, leaving the others be', async () => {
    const mux = new RequestMux(() => client, 10);
    const started = Date.now();
    await assert.rejects(mux.request('mux.nobody', '{}', { timeoutMs: 5000 }), NoRespondersError);
    assert.ok(Date.now() - started < 2000, 'no responders is known without waiting out the timeout');
    const silent = mux.request('mux.silent', '{}', { timeoutMs: 200 });
    const answered = mux.request('mux.echo', JSON.stringify({ delayMs: 50 }), { timeoutMs: 5000 });
    await assert.rejects(silent, (err: Error) => err instanceof RequestTimeoutError && /mux\.silent within 200 ms/.test(err.message));
    assert.ok(Date.now() - started >= 200);
    assert.equal((await answered).json<{ delayMs: number }>().delayMs, 50);
    assert.equal(mux.pending, 0);
    mux.close();
  });

  it('drops an answer that comes after its request timed out', async () => {
    const mux = new RequestMux(() => client, 10);
    await assert.rejects(mux.request('mux.echo', JSON.stringify({ delayMs: 300 }), { timeoutMs: 50 }), RequestTimeoutError);
    await new Promise((r) => setTimeout(r, 400)); // the late answer arrives meanwhile, and finds nobody
    const next = await mux.request('mux.echo', JSON.stringify({ delayMs: 0, n: 2 }), { timeoutMs: 5000 });
    assert.equal(next.json<{ n: number }>().n, 2);
    mux.close();
  });

  it('fails what waits when the connection closes, and follows a new connection', async () => {
    let nc = await connect({ servers: nats.url });
    const mux = new RequestMux(() => nc);
    const waiting = mux.request('mux.silent', '{}', { timeoutMs: 30_000 });
    await nc.close();
    await assert.rejects(waiting, RequestAbandonedError);
    nc = await connect({ servers: nats.url });
    const again = await mux.request('mux.echo', JSON.stringify({ n: 3 }), { timeoutMs: 5000 });
    assert.equal(again.json<{ n: number }>().n, 3);
    mux.close();
    await nc.close();
  });

  it('publishes to JetStream: a PubAck, a duplicate for the same Nats-Msg-Id, and a refusal with its reason', async () => {
    const jsm = await jetstreamManager(client);
    await jsm.streams.add({ name: 'MUX', subjects: ['mux.stream.>'], max_msgs_per_subject: 1, discard: 'new' as never, discard_new_per_subject: true } as never);
    const mux = new RequestMux(() => client);
    const publish = async (subject: string, id: string) => {
      const h = natsHeaders();
      h.set('Nats-Msg-Id', id);
      return readPubAck((await mux.request(subject, '{"x":1}', { timeoutMs: 5000, headers: h })).data);
    };
    assert.deepEqual(await publish('mux.stream.a', 'id-1'), { ok: true, stream: 'MUX', seq: 1, duplicate: false });
    assert.deepEqual(await publish('mux.stream.a', 'id-1'), { ok: true, stream: 'MUX', seq: 1, duplicate: true });
    // The subject holds its one message and the stream discards new ones: JetStream says no, and why.
    const refused = await publish('mux.stream.a', 'id-2');
    assert.equal(refused.ok, false);
    assert.match((refused as { message: string }).message, /^JetStream refused the message: .*per subject.*\(503\/\d+\)$/i);
    mux.close();
  });
});
