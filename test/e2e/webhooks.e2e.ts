// Event webhooks end to end: receivers on loopback, each authentication protocol checked
// by an independent library, permission filtering by topic and unit (and a grant change
// taking effect), soft delete, resend, and the webhook log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { deliveryIdFor, ORDERED_DELIVERY_IDS_SINCE, stableUuid, subjects } from '@hookline/contracts';
import { REPO_ROOT } from '@hookline/local-stack';
import { assertProblem, createAccount, eventually, login, startReceiver, startTestStack, TestAccount, TestReceiver, TestStack } from '@hookline/testing';

const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });
type OAuth2Mock = typeof import('oauth2-mock-server', { with: { 'resolution-mode': 'import' } });
type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });

const TENANT = 'hooks';

/** JSON with every object's keys sorted (PostgreSQL jsonb keeps its own key order); "__proto__" stays a key. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

describe('event webhooks', () => {
  let stack: TestStack;
  let hooksAccount: TestAccount;
  const receivers: TestReceiver[] = [];
  let seq = 0;

  async function receiver(respond?: TestReceiver['respond']): Promise<TestReceiver> {
    const r = await startReceiver(respond);
    receivers.push(r);
    return r;
  }

  async function createReceiver(body: Record<string, unknown>) {
    const res = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: `r-${++seq}`, topics: ['Accounts.*'], accountId: hooksAccount.id, auth: { protocol: 'none' }, ...body });
    assert.equal(res.status, 201, res.text);
    return res.body as { receiver: { id: string; [k: string]: unknown }; secret?: string };
  }

  async function publish(topic: string, unit: string | undefined, data: Record<string, unknown> = {}) {
    const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic, object: { type: 'account', id: String(++seq), ...(unit ? { unit } : {}) }, data });
    assert.equal(res.status, 202, res.text);
    return res.body.id as string;
  }

  async function deliveryOf(receiverId: string, eventId: string, status?: string) {
    return eventually(`delivery of ${eventId} to ${receiverId}${status ? ` ${status}` : ''}`, async () => {
      const list = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${receiverId}&limit=500`);
      const d = list.body.data.find((x: { eventId: string; status: string }) => x.eventId === eventId && (!status || x.status === status));
      return d;
    }, 30_000);
  }

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        HOOKLINE_EGRESS_DEADLINE: '3s',
      },
    });
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Hooks Inc' })).status, 201);
    for (const [id, parentId] of [['north'], ['oslo', 'north'], ['south']] as [string, string?][]) {
      assert.equal((await stack.operator.post('/v1/units', { tenant: TENANT, id, name: id, ...(parentId ? { parentId } : {}) })).status, 201);
    }
    for (const name of ['Accounts.Update', 'Accounts.Create', 'Visits.Done']) {
      assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name })).status, 201);
    }
    hooksAccount = await createAccount(stack.operator, { tenant: TENANT, name: 'hooks', grants: [{ actions: ['webhooks:receive'], units: ['north'], topics: ['Accounts.*'] }] });
  });
  after(async () => {
    for (const r of receivers) await r.close();
    await stack?.stop();
  });

  it('validates receivers: catalogue topics, the account, the URL, the protocol parameters', async () => {
    const base = { tenant: TENANT, name: 'bad', url: 'http://127.0.0.1:9/x', topics: ['Accounts.Update'], accountId: hooksAccount.id, auth: { protocol: 'none' } };
    assertProblem(await stack.operator.post('/v1/receivers', { ...base, topics: ['Nope.Never'] }), 400, 'topics');
    assertProblem(await stack.operator.post('/v1/receivers', { ...base, topics: [] }), 400, 'topics');
    assertProblem(await stack.operator.post('/v1/receivers', { ...base, accountId: '00000000-0000-4000-8000-000000000000' }), 400, 'accountId');
    assertProblem(await stack.operator.post('/v1/receivers', { ...base, url: 'ftp://x' }), 400, 'url');
    assertProblem(await stack.operator.post('/v1/receivers', { ...base, url: 'http://169.254.169.254/latest' }), 400, 'url');
    assertProblem(await stack.operator.post('/v1/receivers', { ...base, auth: { protocol: 'carrier-pigeon' } }), 400, 'auth.protocol');
    assertProblem(await stack.operator.post('/v1/receivers', { ...base, auth: { protocol: 'oauth2', tokenUrl: 'http://127.0.0.1:9/t' } }), 400, 'auth.clientId');
    assertProblem(await stack.operator.post('/v1/receivers', { ...base, auth: { protocol: 'websub', algorithm: 'md5' } }), 400, 'auth.algorithm');
    assertProblem(await stack.operator.post('/v1/receivers', { ...base, auth: { protocol: 'standard-webhooks', secret: 'not-a-whsec-secret-at-all' } }), 400, 'auth');
    const list = await stack.operator.get(`/v1/receivers?tenant=${TENANT}`);
    assert.ok(!list.body.data.some((r: { name: string }) => r.name === 'bad'), 'nothing persisted from a rejected request');
  });

  it('websub: X-Hub-Signature verified by @octokit/webhooks-methods, the delivery headers, and the secret shown once', async () => {
    const r = await receiver();
    const { receiver: rec, secret } = await createReceiver({ url: `${r.url}/hook`, auth: { protocol: 'websub', algorithm: 'sha256' } });
    assert.ok(secret && secret.length >= 32, 'a generated secret is returned once');
    const again = await stack.operator.get(`/v1/receivers/${rec.id}?tenant=${TENANT}`);
    assert.ok(!again.text.includes(secret), 'never shown again');
    assert.deepEqual(again.body.auth, { protocol: 'websub', algorithm: 'sha256' });
    const eventId = await publish('Accounts.Update', 'oslo', { name: 'Ada' });
    const got = await eventually('the webhook', async () => r.requests[0]);
    const { verify } = await importEsm<Octokit>('@octokit/webhooks-methods');
    assert.equal(await verify(secret, got.body, got.headers['x-hub-signature']), true);
    assert.equal(await verify(`${secret}x`, got.body, got.headers['x-hub-signature']), false);
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/hook');
    assert.match(got.headers['content-type'], /^application\/json/);
    assert.equal(got.headers['hookline-event-id'], eventId);
    assert.equal(got.headers['hookline-topic'], 'Accounts.Update');
    assert.equal(got.headers['hookline-delivery-id'], deliveryIdFor(eventId, rec.id), 'derived from the event and the receiver');
    // Time-ordered: the delivery id starts with the 48-bit time the event's UUIDv7 id carries.
    assert.equal(got.headers['hookline-delivery-id'].slice(0, 13), eventId.slice(0, 13));
    assert.equal(got.headers['webhook-id'], got.headers['hookline-delivery-id']);
    assert.ok(!Number.isNaN(Date.parse(got.headers['hookline-attempt-at'])));
    const body = JSON.parse(got.body);
    assert.deepEqual({ id: body.id, topic: body.topic, tenant: body.tenant, object: body.object, data: body.data }, {
      id: eventId,
      topic: 'Accounts.Update',
      tenant: TENANT,
      object: { type: 'account', id: String(seq), unit: 'oslo' },
      data: { name: 'Ada' },
    });
    const d = await deliveryOf(rec.id, eventId, 'succeeded');
    assert.equal(d.lastStatusCode, 204);
    assert.equal(d.attempts, 1);
    const detail = await stack.operator.get(`/v1/deliveries/${d.id}?tenant=${TENANT}`);
    assert.equal(detail.body.request.body, got.body, 'the log keeps the exact request body');
    assert.equal(detail.body.request.headers['X-Hub-Signature'], '[redacted]');
    assert.equal(detail.body.attemptLog.length, 1);
    assert.equal(detail.body.attemptLog[0].statusCode, 204);
    // An event with an idempotency key has an id without a time in it: its delivery id is
    // ordered by the time the platform stored it (the body's occurredAt).
    const keyed = await stack.operator.post('/v1/events', { tenant: TENANT, topic: 'Accounts.Update', object: { type: 'account', id: String(++seq), unit: 'oslo' }, data: {} }, { 'idempotency-key': `keyed-${seq}` });
    assert.equal(keyed.status, 202, keyed.text);
    const second = await eventually('the webhook of the keyed event', async () => r.requests.find((q) => q.headers['hookline-event-id'] === keyed.body.id));
    const storedAt = JSON.parse(second.body).occurredAt as string;
    assert.equal(second.headers['hookline-delivery-id'], deliveryIdFor(keyed.body.id, rec.id, storedAt));
    assert.equal(parseInt(second.headers['hookline-delivery-id'].replace(/-/g, '').slice(0, 12), 16), Date.parse(storedAt));
    // Published directly on NATS: an event stored before ORDERED_DELIVERY_IDS_SINCE (what an
    // earlier version left in the stream) keeps the hashed delivery id it had; one without a
    // receivedAt is ordered by the time JetStream stored it.
    const [oldObject, newObject] = [String(++seq), String(++seq)];
    const nc = await connect({ servers: stack.nats.url });
    try {
      const js = jetstream(nc);
      const subject = subjects.event(TENANT, 'Accounts.Update');
      const earlier = new Date(ORDERED_DELIVERY_IDS_SINCE - 3_600_000).toISOString();
      await js.publish(subject, JSON.stringify({ object: { type: 'account', id: oldObject, unit: 'oslo' }, data: {}, receivedAt: earlier }), { msgID: `direct-${oldObject}` });
      await js.publish(subject, JSON.stringify({ object: { type: 'account', id: newObject, unit: 'oslo' }, data: {} }), { msgID: `direct-${newObject}` });
    } finally {
      await nc.close();
    }
    const webhookOf = (objectId: string) =>
      eventually(`the webhook of direct event ${objectId}`, async () => {
        const q = r.requests.find((x) => JSON.parse(x.body).object?.id === objectId);
        return q ? { id: q.headers['hookline-delivery-id'], body: JSON.parse(q.body) as { id: string; occurredAt: string } } : undefined;
      });
    const old = await webhookOf(oldObject);
    assert.equal(old.id, stableUuid('delivery', old.body.id, rec.id), 'an event from before the cut-over keeps its hashed id');
    const fresh = await webhookOf(newObject);
    assert.notEqual(fresh.id, stableUuid('delivery', fresh.body.id, rec.id));
    assert.equal(parseInt(fresh.id.replace(/-/g, '').slice(0, 12), 16), Date.parse(fresh.body.occurredAt), 'ordered by the time JetStream stored it');
  });

  it('keys named constructor, prototype and __proto__ reach the receiver (signed) and the audit log exactly as sent; no prototype changes', async () => {
    const r = await receiver();
    const { receiver: rec, secret } = await createReceiver({ url: r.url, auth: { protocol: 'websub', algorithm: 'sha256' } });
    // "enabled": false on Object.prototype would switch off every receiver created without "enabled" from then on.
    const dataText =
      '{"constructor":"ACME Builders Ltd","prototype":"v2","__proto__":{"polluted":"yes","enabled":false},"kept":1,' +
      '"nested":{"constructor":{"prototype":{"polluted":"yes"}},"list":[{"__proto__":null,"toString":"x"}],"hasOwnProperty":false}}';
    const objectText = `{"type":"account","id":"proto-${++seq}","unit":"north"}`;
    const res = await stack.operator.post('/v1/events', `{"tenant":"${TENANT}","topic":"Accounts.Update","object":${objectText},"data":${dataText}}`);
    assert.equal(res.status, 202, res.text);
    const got = await eventually('the webhook', async () => r.requests[0]);
    const { verify } = await importEsm<Octokit>('@octokit/webhooks-methods');
    assert.equal(await verify(secret as string, got.body, got.headers['x-hub-signature']), true, 'the signed body');
    // Byte for byte: the data as it was sent, at the end of the body the signature covers.
    assert.ok(got.body.endsWith(`"object":${objectText},"data":${dataText}}`), got.body);
    // The audit log keeps it in PostgreSQL jsonb, which orders keys its own way: the same keys and values.
    const stored = await eventually('the event in the audit log', async () => {
      const a = await stack.operator.get(`/v1/audit/events/${res.body.id}?tenant=${TENANT}`);
      return a.status === 200 ? a : undefined;
    });
    assert.equal(canonical(stored.body.data), canonical(JSON.parse(dataText)));
    assert.deepEqual(Object.keys(stored.body.data).sort(), ['__proto__', 'constructor', 'kept', 'nested', 'prototype']);
    // Topic and push-type examples are the caller's JSON too.
    const topic = await stack.operator.post('/v1/topics', `{"tenant":"${TENANT}","name":"Proto.Keys","example":${dataText}}`);
    assert.equal(topic.status, 201, topic.text);
    assert.equal(canonical((await stack.operator.get(`/v1/topics/Proto.Keys?tenant=${TENANT}`)).body.example), canonical(JSON.parse(dataText)));
    // Outside free-form JSON such a key is no field of the request: refused by name, no longer dropped.
    assertProblem(await stack.operator.post('/v1/events', `{"tenant":"${TENANT}","topic":"Accounts.Update","object":{"type":"a","id":"1","constructor":"x"}}`), 400, 'object.constructor');
    assertProblem(await stack.operator.post('/v1/events', `{"tenant":"${TENANT}","topic":"Accounts.Update","object":{"type":"a","id":"1"},"__proto__":{"x":1}}`), 400, '__proto__');
    // No prototype changed anywhere: a receiver created afterwards without "enabled" is enabled, and gets events.
    const after = await receiver();
    const created = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: `after-${++seq}`, url: after.url, topics: ['Accounts.*'], accountId: hooksAccount.id, auth: { protocol: 'none' } });
    assert.equal(created.body.receiver.enabled, true, created.text);
    await publish('Accounts.Update', 'north', { n: 1 });
    const next = await eventually('a webhook to the later receiver', async () => after.requests[0]);
    assert.deepEqual(JSON.parse(next.body).data, { n: 1 });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(rec.enabled, true);
  });

  it('websub with sha512 and a secret of our own', async () => {
    const r = await receiver();
    const mine = 'my-own-websub-secret-0123456789';
    const { secret } = await createReceiver({ url: r.url, auth: { protocol: 'websub', algorithm: 'sha512', secret: mine } });
    assert.equal(secret, mine);
    await publish('Accounts.Create', 'north');
    const got = await eventually('the webhook', async () => r.requests[0]);
    const { createHmac } = await import('node:crypto');
    assert.equal(got.headers['x-hub-signature'], `sha512=${createHmac('sha512', mine).update(got.body).digest('hex')}`);
  });

  it('standard webhooks: verified by the standardwebhooks library, old and new secret both sign during rotation', async () => {
    const r = await receiver();
    const { receiver: rec, secret } = await createReceiver({ url: r.url, auth: { protocol: 'standard-webhooks' } });
    assert.match(secret ?? '', /^whsec_/);
    await publish('Accounts.Update', 'north');
    const first = await eventually('the webhook', async () => r.requests[0]);
    assert.ok(new Webhook(secret as string).verify(first.body, first.headers));
    const rotated = await stack.operator.post(`/v1/receivers/${rec.id}/rotate-secret?tenant=${TENANT}`, { overlapSeconds: 3600 });
    assert.equal(rotated.status, 201, rotated.text);
    const next = rotated.body.secret as string;
    assert.match(next, /^whsec_/);
    assert.notEqual(next, secret);
    assert.ok(rotated.body.previousSecretValidUntil);
    await publish('Accounts.Update', 'north');
    const second = await eventually('the next webhook', async () => r.requests[1]);
    assert.ok(new Webhook(secret as string).verify(second.body, second.headers), 'the old secret still verifies during the overlap');
    assert.ok(new Webhook(next).verify(second.body, second.headers), 'the new secret verifies');
    assert.equal(second.headers['webhook-signature'].split(' ').length, 2);
    assert.notEqual(second.headers['webhook-timestamp'], undefined);
  });

  it('oauth2: one token for many concurrent sends, Bearer verified against the issuer, refreshed once on a 401', async () => {
    const { OAuth2Server } = await importEsm<OAuth2Mock>('oauth2-mock-server');
    const oauth = new OAuth2Server();
    await oauth.issuer.keys.generate('RS256');
    await oauth.start(0, '127.0.0.1');
    oauth.issuer.url = `http://127.0.0.1:${oauth.address().port}`;
    let tokenRequests = 0;
    oauth.service.on('beforeResponse', (_res: unknown, req: IncomingMessage) => {
      if (req.url?.startsWith('/token')) tokenRequests++;
    });
    try {
      const { createRemoteJWKSet, jwtVerify } = await importEsm<Jose>('jose');
      const jwks = createRemoteJWKSet(new URL(`${oauth.issuer.url}/jwks`));
      const seenTokens = new Set<string>();
      let rejectFirstToken = false;
      const verifyErrors: string[] = [];
      const r = await receiver(async (req) => {
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        try {
          await jwtVerify(token, jwks, { issuer: oauth.issuer.url });
        } catch (err) {
          verifyErrors.push((err as Error).message);
          return { status: 401 };
        }
        if (rejectFirstToken && seenTokens.size === 1 && seenTokens.has(token)) return { status: 401 };
        seenTokens.add(token);
        return { status: 200 };
      });
      const { receiver: rec, secret } = await createReceiver({
        url: r.url,
        auth: { protocol: 'oauth2', tokenUrl: `${oauth.issuer.url}/token`, clientId: 'hookline', clientSecret: 'client-secret-value', scope: 'webhooks' },
      });
      assert.equal(secret, undefined, 'an OAuth2 receiver has no platform secret to show');
      const listed = await stack.operator.get(`/v1/receivers/${rec.id}?tenant=${TENANT}`);
      assert.ok(!listed.text.includes('client-secret-value'));
      await Promise.all(Array.from({ length: 8 }, () => publish('Accounts.Update', 'north')));
      const verified = await eventually('8 verified webhooks', async () => {
        const ds = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${rec.id}&status=succeeded`);
        return ds.body.data.length >= 8 ? ds.body.data : undefined;
      });
      assert.equal(verified.length, 8);
      assert.deepEqual(verifyErrors, [], 'every token verifies against the issuer');
      assert.equal(tokenRequests, 1, 'one token request for many concurrent sends');
      assert.equal(seenTokens.size, 1);
      // Now the receiver stops accepting the cached token: one refresh, then success. (The
      // signer treats 401s within 2 s of a fetch as one burst and reuses that fetch.)
      await new Promise((res) => setTimeout(res, 2100));
      rejectFirstToken = true;
      const eventId = await publish('Accounts.Update', 'north');
      const d = await deliveryOf(rec.id, eventId, 'succeeded');
      assert.equal(d.attempts, 1, 'the 401 refresh happens within the attempt');
      assert.equal(tokenRequests, 2);
      assert.equal(seenTokens.size, 2);
    } finally {
      await oauth.stop();
    }
  });

  it('filters by topic grant and by unit, with the reason and without the body; a grant change takes effect', async () => {
    const r = await receiver();
    const { receiver: rec } = await createReceiver({ url: r.url, topics: ['Accounts.*', 'Visits.Done'] });
    const inSouth = await publish('Accounts.Update', 'south');
    const visit = await publish('Visits.Done', 'north');
    const allowed = await publish('Accounts.Update', 'oslo');
    await deliveryOf(rec.id, allowed, 'succeeded');
    const south = await deliveryOf(rec.id, inSouth, 'filtered');
    assert.match(south.statusReason, /unit south is outside the units account hooks/);
    const v = await deliveryOf(rec.id, visit, 'filtered');
    assert.match(v.statusReason, /no webhooks:receive grant for topic Visits.Done/);
    const detail = await stack.operator.get(`/v1/deliveries/${south.id}?tenant=${TENANT}`);
    assert.equal(detail.body.request, null, 'a filtered delivery shows no body');
    assert.equal(r.requests.length, 1);
    // Widen the receiving account's grants: the next south event is delivered.
    const upd = await stack.operator.patch(`/v1/accounts/${hooksAccount.id}?tenant=${TENANT}`, { grants: [{ actions: ['webhooks:receive'], units: ['north', 'south'], topics: ['Accounts.*', 'Visits.*'] }] });
    assert.equal(upd.status, 200, upd.text);
    await eventually('the grant change to reach the dispatcher', async () => {
      const e = await publish('Accounts.Update', 'south');
      const got = await eventually('a decision', async () => {
        const list = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${rec.id}&limit=500`);
        return list.body.data.find((x: { eventId: string }) => x.eventId === e);
      }, 10_000);
      return got.status !== 'filtered';
    }, 30_000);
    const visit2 = await publish('Visits.Done', 'south');
    await deliveryOf(rec.id, visit2, 'succeeded');
    // and narrow it again, back as it was for the other tests
    await stack.operator.patch(`/v1/accounts/${hooksAccount.id}?tenant=${TENANT}`, { grants: [{ actions: ['webhooks:receive'], units: ['north'], topics: ['Accounts.*'] }] });
  });

  it('soft delete: no new deliveries, waiting retries cancelled, still listed, its log still readable', async () => {
    const r = await receiver(() => ({ status: 500 }));
    const { receiver: rec } = await createReceiver({ url: r.url });
    const eventId = await publish('Accounts.Update', 'north');
    const d = await deliveryOf(rec.id, eventId, 'scheduled');
    const del = await stack.operator.delete(`/v1/receivers/${rec.id}?tenant=${TENANT}`);
    assert.equal(del.status, 200, del.text);
    assert.ok(del.body.deletedAt);
    const cancelled = await deliveryOf(rec.id, eventId, 'cancelled');
    assert.equal(cancelled.id, d.id);
    const seen = r.requests.length;
    await publish('Accounts.Update', 'north');
    await new Promise((res) => setTimeout(res, 2500));
    assert.equal(r.requests.length, seen, 'nothing more is sent to a deleted receiver');
    const listed = await stack.operator.get(`/v1/receivers?tenant=${TENANT}&limit=500`);
    const mine = listed.body.data.find((x: { id: string }) => x.id === rec.id);
    assert.ok(mine?.deletedAt, 'still listed, marked deleted');
    const log = await stack.operator.get(`/v1/deliveries/${d.id}?tenant=${TENANT}`);
    assert.equal(log.status, 200);
    assert.ok(log.body.attemptLog.length >= 1);
    assertProblem(await stack.operator.patch(`/v1/receivers/${rec.id}?tenant=${TENANT}`, { name: 'x' }), 409);
  });

  it('resend: the same delivery id again, as the next attempt', async () => {
    const r = await receiver();
    const { receiver: rec } = await createReceiver({ url: r.url });
    const eventId = await publish('Accounts.Update', 'north');
    const d = await deliveryOf(rec.id, eventId, 'succeeded');
    const res = await stack.operator.post(`/v1/deliveries/${d.id}/resend?tenant=${TENANT}`);
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(res.body, { deliveryId: d.id, attempt: 2 });
    await eventually('the resent webhook', async () => r.matching('webhook-id', d.id).length === 2);
    const [a, b] = r.matching('webhook-id', d.id);
    assert.equal(a.body, b.body);
    const detail = await eventually('attempt 2 in the log', async () => {
      const x = await stack.operator.get(`/v1/deliveries/${d.id}?tenant=${TENANT}`);
      return x.body.attemptLog.length === 2 ? x.body : undefined;
    });
    assert.equal(detail.attemptLog[1].manual, true);
    assertProblem(await stack.operator.post(`/v1/deliveries/00000000-0000-4000-8000-000000000000/resend?tenant=${TENANT}`), 404);
  });

  it('an account reads the log within its logs:read grants, and needs receivers:write to resend', async () => {
    const r = await receiver();
    const { receiver: rec } = await createReceiver({ url: r.url, topics: ['Accounts.*', 'Visits.Done'] });
    const northEvent = await publish('Accounts.Update', 'oslo');
    const southEvent = await publish('Accounts.Update', 'south');
    const north = await deliveryOf(rec.id, northEvent, 'succeeded');
    const south = await deliveryOf(rec.id, southEvent, 'filtered');
    const auditor = await createAccount(stack.operator, { tenant: TENANT, name: 'auditor', grants: [{ actions: ['logs:read'], units: ['north'], topics: ['Accounts.*'] }] });
    const { client } = await login(stack.anonymous, auditor);
    const list = await client.get(`/v1/deliveries?receiver=${rec.id}&limit=500`);
    assert.equal(list.status, 200, list.text);
    const ids = list.body.data.map((d: { id: string }) => d.id);
    assert.ok(ids.includes(north.id));
    assert.ok(!ids.includes(south.id), 'a delivery about a unit outside the grant stays hidden');
    assert.equal((await client.get(`/v1/deliveries/${north.id}`)).status, 200);
    assertProblem(await client.get(`/v1/deliveries/${south.id}`), 404);
    assertProblem(await client.get(`/v1/deliveries?tenant=someone-else`), 404);
    assertProblem(await client.post(`/v1/deliveries/${north.id}/resend`), 403);
    const nobody = await createAccount(stack.operator, { tenant: TENANT, name: 'nobody', grants: [{ actions: ['events:publish'], units: '*', topics: '*' }] });
    const { client: nobodyClient } = await login(stack.anonymous, nobody);
    assertProblem(await nobodyClient.get('/v1/deliveries'), 403);
  });

  it('npm run demo shows the whole path against a running stack', async () => {
    // Not spawnSync: the gateway the demo talks to runs in this process.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['-r', '@swc-node/register', join(REPO_ROOT, 'deploy/local/demo.ts')],
        { cwd: REPO_ROOT, env: { PATH: process.env.PATH, HOOKLINE_URL: stack.url, HOOKLINE_OPERATOR_TOKEN: stack.operatorToken }, encoding: 'utf8', timeout: 60_000 },
        (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /signature valid -> 503 \(turned away this once\)/);
    assert.match(r.stdout, /scheduled last=503 attempts=1/);
    assert.match(r.stdout, /attempt 2 \(resend\) at .*: 200 ok/);
    assert.doesNotMatch(r.stdout, /INVALID/);
  });

  it('the webhook log filters by receiver, topic, status and time, newest first, and never crosses tenants', async () => {
    const r = await receiver();
    const { receiver: rec } = await createReceiver({ url: r.url });
    const ids = [await publish('Accounts.Update', 'north'), await publish('Accounts.Create', 'north'), await publish('Accounts.Update', 'north')];
    for (const id of ids) await deliveryOf(rec.id, id, 'succeeded');
    const all = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${rec.id}`);
    assert.deepEqual(all.body.data.map((d: { eventId: string }) => d.eventId), [...ids].reverse());
    const updates = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${rec.id}&topic=Accounts.Update`);
    assert.equal(updates.body.data.length, 2);
    const page = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${rec.id}&limit=2`);
    assert.equal(page.body.data.length, 2);
    const rest = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${rec.id}&limit=2&cursor=${page.body.nextCursor}`);
    assert.equal(rest.body.data[0].eventId, ids[0]);
    const future = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${rec.id}&from=${new Date(Date.now() + 60_000).toISOString()}`);
    assert.equal(future.body.data.length, 0);
    assertProblem(await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&status=exploded`), 400, 'status');
    const other = await stack.operator.get(`/v1/deliveries?tenant=someone-else&target=${rec.id}`);
    assert.equal(other.body.data.length, 0);
    const d = all.body.data[0];
    assertProblem(await stack.operator.get(`/v1/deliveries/${d.id}?tenant=someone-else`), 404);
  });
});
