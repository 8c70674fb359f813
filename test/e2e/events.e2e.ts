// The first event path: POST /v1/events -> JetStream -> audit-log -> GET /v1/audit/events.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { CONSUMERS, HEADERS, SERVICE_NAMES, STREAMS, subjects } from '@hookline/contracts';
import { assertProblem, createAccount, eventually, startTestStack, TestStack } from '@hookline/testing';

const event = (over: Record<string, unknown> = {}) => ({
  tenant: 'acme',
  topic: 'Accounts.Update',
  object: { type: 'account', id: '42', unit: 'u-1' },
  data: { name: 'Ada' },
  ...over,
});

describe('host events', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it('every service answers /health and /ready', async () => {
    for (const name of SERVICE_NAMES) {
      const s = stack.services[name];
      const health = await fetch(`${s.url}/health`);
      assert.equal(health.status, 200, name);
      const ready = await fetch(`${s.url}/ready`);
      const body = (await ready.json()) as { checks: Record<string, string> };
      assert.equal(ready.status, 200, `${name}: ${JSON.stringify(body)}`);
      assert.equal(body.checks.nats, 'ok');
      assert.equal(body.checks.postgres, 'ok');
    }
  });

  it('accepts an event with 202 and an id, and the audit log stores it', async () => {
    const res = await stack.operator.post('/v1/events', event({ data: { n: 'first' } }));
    assert.equal(res.status, 202, res.text);
    assert.match(res.body.id, /^[0-9a-f-]{36}$/);
    const stored = await eventually('the event in the audit log', async () => {
      const r = await stack.operator.get(`/v1/audit/events/${res.body.id}?tenant=acme`);
      return r.status === 200 ? r.body : undefined;
    });
    assert.equal(stored.topic, 'Accounts.Update');
    assert.deepEqual(stored.object, { type: 'account', id: '42', unit: 'u-1' });
    assert.deepEqual(stored.data, { n: 'first' });
    assert.equal(stored.publishedBy, 'operator');
  });

  it('the same Idempotency-Key twice yields one event with the same id', async () => {
    const key = `key-${Date.now()}`;
    const a = await stack.operator.post('/v1/events', event({ topic: 'Idem.Test' }), { 'idempotency-key': key });
    const b = await stack.operator.post('/v1/events', event({ topic: 'Idem.Test' }), { 'idempotency-key': key });
    assert.equal(a.status, 202);
    assert.equal(b.status, 202);
    assert.equal(a.body.id, b.body.id);
    assert.equal(b.body.duplicate, true);
    await eventually('the event stored', async () => (await stack.operator.get(`/v1/audit/events/${a.body.id}?tenant=acme`)).status === 200);
    // Give a second copy every chance to arrive before counting.
    await new Promise((r) => setTimeout(r, 500));
    const list = await stack.operator.get('/v1/audit/events?tenant=acme&topic=Idem.Test');
    assert.equal(list.body.data.length, 1);
  });

  it('rejects bad input with a problem+json that names the field', async () => {
    assertProblem(await stack.operator.post('/v1/events', event({ topic: undefined })), 400, 'topic');
    assertProblem(await stack.operator.post('/v1/events', event({ topic: 'has space' })), 400, 'topic');
    assertProblem(await stack.operator.post('/v1/events', event({ topic: 42 })), 400, 'topic');
    assertProblem(await stack.operator.post('/v1/events', event({ object: { type: 'account' } })), 400, 'object.id');
    assertProblem(await stack.operator.post('/v1/events', event({ object: { type: 7, id: '1' } })), 400, 'object.type');
    assertProblem(await stack.operator.post('/v1/events', event({ object: 'x' })), 400, 'object');
    assertProblem(await stack.operator.post('/v1/events', event({ data: [1, 2] })), 400, 'data');
    assertProblem(await stack.operator.post('/v1/events', event({ tenant: undefined })), 400, 'tenant');
    assertProblem(await stack.operator.post('/v1/events', event({ extra: true })), 400, 'extra');
    assertProblem(await stack.operator.post('/v1/events', '{"topic": "A",'), 400, 'body');
    assertProblem(await stack.operator.post('/v1/events', '[]'), 400);
    assertProblem(await stack.operator.post('/v1/events', 'topic=A', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'body');
    assertProblem(await stack.operator.post('/v1/events', event(), { 'idempotency-key': 'x'.repeat(300) }), 400, 'Idempotency-Key');
    const big = event({ data: { blob: 'x'.repeat(257 * 1024) } });
    assertProblem(await stack.operator.post('/v1/events', big), 413, 'body');
  });

  it('a gzip body (read by express, not by the route taken first on node:http) gets the same answers', async () => {
    const send = (body: unknown, extra: Record<string, string> = {}) =>
      fetch(`${stack.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/json', 'content-encoding': 'gzip', ...extra },
        body: gzipSync(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))),
      });
    const key = `gz-${Date.now()}`;
    const first = await send(event({ topic: 'Gzip.Sent', data: { n: 'gzipped' } }), { 'idempotency-key': key });
    assert.equal(first.status, 202, await first.clone().text());
    assert.equal(first.headers.get('content-type'), 'application/json; charset=utf-8');
    const accepted = (await first.json()) as { id: string };
    // The same key through the first route: the same event.
    const again = await stack.operator.post('/v1/events', event({ topic: 'Gzip.Sent', data: { n: 'gzipped' } }), { 'idempotency-key': key });
    assert.equal(again.status, 202);
    assert.equal(again.body.id, accepted.id);
    assert.equal(again.body.duplicate, true);
    const stored = await eventually('the gzipped event stored', async () => {
      const r = await stack.operator.get(`/v1/audit/events/${accepted.id}?tenant=acme`);
      return r.status === 200 ? r.body : undefined;
    });
    assert.deepEqual(stored.data, { n: 'gzipped' });
    for (const [body, field] of [[event({ topic: 'has space' }), 'topic'], ['{"topic": "A",', 'body']] as const) {
      const res = await send(body);
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      const problem = (await res.json()) as { errors: { field: string }[] };
      assert.equal(problem.errors[0].field, field);
    }
    const anonymous = await fetch(`${stack.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(Buffer.from(JSON.stringify(event()))) });
    assert.equal(anonymous.status, 401);
  });

  it('answers 401 problem+json without the operator token, and with a wrong one', async () => {
    assertProblem(await stack.anonymous.post('/v1/events', event()), 401);
    assertProblem(await stack.anonymous.withToken('wrong-token-wrong-token-wrong').post('/v1/events', event()), 401);
    assertProblem(await stack.anonymous.get('/v1/audit/events?tenant=acme'), 401);
  });

  it('lists newest first with cursor pagination and filters', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await stack.operator.post('/v1/events', event({ tenant: 'pages', topic: 'Page.Test', data: { i } }));
      ids.push(r.body.id);
    }
    await stack.operator.post('/v1/events', event({ tenant: 'pages', topic: 'Other.Topic' }));
    await eventually('all 7 stored', async () => (await stack.operator.get('/v1/audit/events?tenant=pages&topic=Page.Test&limit=100')).body.data.length === 7);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await stack.operator.get(`/v1/audit/events?tenant=pages&topic=Page.Test&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      assert.ok(page.body.data.length <= 3);
      seen.push(...page.body.data.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
    assertProblem(await stack.operator.get('/v1/audit/events?tenant=pages&cursor=garbage'), 400, 'cursor');
    assertProblem(await stack.operator.get('/v1/audit/events?tenant=pages&limit=100000'), 400, 'limit');
    assertProblem(await stack.operator.get('/v1/audit/events'), 400, 'tenant');
    const other = await stack.operator.get('/v1/audit/events?tenant=acme&topic=Page.Test');
    assert.equal(other.body.data.length, 0, 'another tenant sees nothing');
  });

  it('takes events published directly on NATS by a host application inside the cluster', async () => {
    const nc = await connect({ servers: stack.nats.url });
    try {
      const js = jetstream(nc);
      const body = JSON.stringify({ object: { type: 'visit', id: 'v-9', unit: 'u-2' }, data: { direct: true } });
      const ack = await js.publish('hookline.events.acme.Visits.Completed', body, { msgID: 'host-msg-1' });
      assert.equal(ack.duplicate, false);
      const again = await js.publish('hookline.events.acme.Visits.Completed', body, { msgID: 'host-msg-1' });
      assert.equal(again.duplicate, true);
    } finally {
      await nc.close();
    }
    const list = await eventually('the direct event', async () => {
      const r = await stack.operator.get('/v1/audit/events?tenant=acme&topic=Visits.Completed');
      return r.body.data.length > 0 ? r.body.data : undefined;
    });
    assert.equal(list.length, 1);
    assert.equal(list[0].publishedBy, 'nats');
    assert.deepEqual(list[0].data, { direct: true });
  });

  it('takes several events in one message published on NATS (the Hookline-Events header), and dead-letters such a message whole when one of them is not valid', async () => {
    const nc = await connect({ servers: stack.nats.url });
    try {
      const js = jetstream(nc);
      const jsm = await jetstreamManager(nc);
      const many = (ids: string[]) => JSON.stringify(ids.map((id) => ({ object: { type: 'visit', id }, data: { id } })));
      const h = (n: number) => {
        const hdrs = natsHeaders();
        hdrs.set(HEADERS.eventCount, String(n));
        return hdrs;
      };
      await js.publish(subjects.event('acme', 'Visits.Batched'), many(['b-1', 'b-2', 'b-3']), { msgID: 'batch-1', headers: h(3) });
      // One element without object.id: the whole message is refused, the one before it kept.
      const bad = JSON.stringify([{ object: { type: 'visit', id: 'b-4' } }, { object: { type: 'visit' } }]);
      const refused = await js.publish(subjects.event('acme', 'Visits.Batched'), bad, { msgID: 'batch-2', headers: h(2) });
      const stored = await eventually('the three events of the first message', async () => {
        const r = await stack.operator.get('/v1/audit/events?tenant=acme&topic=Visits.Batched');
        return r.body.data.length >= 3 ? r.body.data : undefined;
      });
      assert.deepEqual(stored.map((e: { object: { id: string } }) => e.object.id).sort(), ['b-1', 'b-2', 'b-3']);
      assert.equal(new Set(stored.map((e: { id: string }) => e.id)).size, 3, 'each an event with an id of its own');
      assert.deepEqual(stored.map((e: { idempotencyKey: string }) => e.idempotencyKey).sort(), ['batch-1#0', 'batch-1#1', 'batch-1#2']);
      const letter = await eventually('the refused message dead-lettered by the audit log', async () => {
        const dl = await jsm.streams.info(STREAMS.deadLetter.name);
        for (let seq = dl.state.first_seq; seq <= dl.state.last_seq && dl.state.messages > 0; seq++) {
          const m = await jsm.streams.getMessage(STREAMS.deadLetter.name, { seq }).catch(() => null);
          if (m?.subject === subjects.deadLetter(CONSUMERS.auditEvents.durable) && m.header?.get(HEADERS.dlqSeq) === String(refused.seq)) return m;
        }
        return undefined;
      });
      assert.match(letter.header?.get(HEADERS.dlqReason) ?? '', /\[1\]\.object\.id/);
    } finally {
      await nc.close();
    }
  });

  it('bounds nesting and width at parse time: a 400 naming the limit (never a 500), and what fits is stored as sent', async () => {
    const nested = (levels: number, open = '{"a":', close = '}') => `${open.repeat(levels)}1${close.repeat(levels)}`;
    const wide = (keys: number) => `{${Array.from({ length: keys }, (_, i) => `"k${i}":${i}`).join(',')}}`;
    const withData = (data: string) => `{"tenant":"acme","topic":"Limits.Test","object":{"type":"t","id":"1"},"data":${data}}`;
    // The issue's 10,000 levels (60 KB), 5,000, and one level past the limit (the body is level 1).
    for (const data of [nested(10_000), nested(5_000), nested(64), `{"a":${nested(63, '[', ']')}}`]) {
      const res = await stack.operator.post('/v1/events', withData(data));
      assertProblem(res, 400, 'body');
      assert.match(res.body.detail, /nesting deeper than 64 levels of objects and arrays/);
    }
    const tooWide = await stack.operator.post('/v1/events', withData(`{"list":[${wide(10_001)}]}`));
    assertProblem(tooWide, 400, 'data.list.0');
    assert.match(tooWide.body.detail, /more than 10000 keys/);
    // Every service parses bodies the same way: any endpoint, any field.
    assertProblem(await stack.operator.post('/v1/tenants', `{"id":"deep","name":${nested(100, '[', ']')}}`), 400, 'body');
    // At the limits: accepted, and stored exactly.
    const accepted: [string, string][] = [];
    for (const data of [nested(63), wide(10_000)]) {
      const res = await stack.operator.post('/v1/events', withData(data));
      assert.equal(res.status, 202, res.text.slice(0, 300));
      accepted.push([res.body.id, data]);
    }
    for (const [id, data] of accepted) {
      const stored = await eventually('the event at the limit in the log', async () => {
        const r = await stack.operator.get(`/v1/audit/events/${id}?tenant=acme`);
        return r.status === 200 ? r.body : undefined;
      });
      assert.deepEqual(stored.data, JSON.parse(data));
    }
    assert.deepEqual(stack.allLogLines().filter((l) => l.includes('unexpected error')), []);
  });

  it('an event published on NATS past the limits is dead-lettered with the reason, and the consumers go on', async () => {
    // A receiver for Limits.Nats (its account may receive only objects in unit north, so
    // nothing is ever sent): the dispatcher has someone to decide about and reads the body.
    // Nobody receives Limits.Unrouted: the dispatcher acks its events unread, and only the
    // audit log, which keeps every event, finds the deep one unreadable.
    const tenant = await stack.operator.post('/v1/tenants', { id: 'acme', name: 'Acme' });
    assert.ok(tenant.status === 201 || tenant.status === 409, tenant.text);
    assert.equal((await stack.operator.post('/v1/units', { tenant: 'acme', id: 'north', name: 'North' })).status, 201);
    assert.equal((await stack.operator.post('/v1/topics', { tenant: 'acme', name: 'Limits.Nats' })).status, 201);
    const reader = await createAccount(stack.operator, { tenant: 'acme', name: 'limits-reader', grants: [{ actions: ['webhooks:receive'], units: ['north'], topics: '*' }] });
    const made = await stack.operator.post('/v1/receivers', { tenant: 'acme', name: 'limits', url: 'https://example.com/h', topics: ['Limits.Nats'], accountId: reader.id, auth: { protocol: 'none' } });
    assert.equal(made.status, 201, made.text);
    const nc = await connect({ servers: stack.nats.url });
    try {
      const js = jetstream(nc);
      const jsm = await jetstreamManager(nc);
      const deep = `{"object":{"type":"t","id":"deep"},"data":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
      const fine = (id: string) => JSON.stringify({ object: { type: 't', id }, data: { fine: true } });
      await js.publish(subjects.event('acme', 'Limits.Nats'), deep, { msgID: 'deep-1' });
      await js.publish(subjects.event('acme', 'Limits.Unrouted'), deep, { msgID: 'deep-2' });
      await js.publish(subjects.event('acme', 'Limits.Nats'), fine('fine'), { msgID: 'fine-1' });
      const last = await js.publish(subjects.event('acme', 'Limits.Unrouted'), fine('fine-unrouted'), { msgID: 'fine-2' });
      for (const topic of ['Limits.Nats', 'Limits.Unrouted']) {
        const stored = await eventually(`the fine event after the deep one (${topic})`, async () => {
          const r = await stack.operator.get(`/v1/audit/events?tenant=acme&topic=${topic}`);
          return r.body.data.length > 0 ? r.body.data : undefined;
        });
        assert.deepEqual(stored.map((e: { object: { id: string } }) => e.object.id), [topic === 'Limits.Nats' ? 'fine' : 'fine-unrouted']);
      }
      // Every consumer of the events stream past the last of them, then the dead letters each one wrote.
      for (const durable of [CONSUMERS.auditEvents.durable, CONSUMERS.dispatcherEvents.durable]) {
        await eventually(`${durable} past the last event`, async () => {
          const info = await jsm.consumers.info(STREAMS.events.name, durable);
          return info.ack_floor.stream_seq >= last.seq && info.num_ack_pending === 0 ? true : undefined;
        });
      }
      // The dead-letter stream read once: each of these events' dead letters, with who wrote it.
      const letters: { durableSubject: string; subject: string; reason: string }[] = [];
      const dl = await jsm.streams.info(STREAMS.deadLetter.name);
      for (let seq = dl.state.first_seq; seq <= dl.state.last_seq && dl.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(STREAMS.deadLetter.name, { seq }).catch(() => null);
        const subject = m?.header?.get(HEADERS.dlqSubject) ?? '';
        if (m && subject.includes('.Limits.')) letters.push({ durableSubject: m.subject, subject, reason: m.header?.get(HEADERS.dlqReason) ?? '' });
      }
      const deadLetters = (durable: string) => letters.filter((d) => d.durableSubject === subjects.deadLetter(durable));
      const audit = deadLetters(CONSUMERS.auditEvents.durable);
      assert.deepEqual(audit.map((d) => d.subject).sort(), [subjects.event('acme', 'Limits.Nats'), subjects.event('acme', 'Limits.Unrouted')]);
      const dispatcher = deadLetters(CONSUMERS.dispatcherEvents.durable);
      assert.deepEqual(dispatcher.map((d) => d.subject), [subjects.event('acme', 'Limits.Nats')], 'the dispatcher reads the body only of an event someone receives');
      for (const d of [...audit, ...dispatcher]) assert.match(d.reason, /nesting deeper than 64 levels/);
    } finally {
      await nc.close();
    }
  });

  it('answers unknown routes with a 404 problem', async () => {
    assertProblem(await stack.operator.get('/v1/nothing-here'), 404);
    assertProblem(await stack.operator.get('/elsewhere'), 404);
  });

  it('never logs the operator token', () => {
    const lines = stack.allLogLines();
    assert.ok(lines.length > 0);
    assert.ok(!lines.some((l) => l.includes(stack.operatorToken)));
  });
});
