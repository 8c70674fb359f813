import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { customIntegrationProfile, pushNotificationProfile, webhookProfile, type DeliveryPlan } from './delivery-plan';
import { buildRequest, InvalidPayloadError, withAuthHeaders, type AttemptFacts } from './request-builder';

const facts: AttemptFacts = {
  payload: { id: 'evt-1', topic: 'Accounts.Update', data: { name: 'Jörg' } },
  deliveryId: '0196f3a2-7c1e-7d2a-9b3c-1a2b3c4d5e6f',
  source: { eventId: 'evt-1', topic: 'Accounts.Update' },
  attemptAt: new Date('2026-01-01T00:00:05.250Z'),
  version: '1.2.3',
};

describe('buildRequest', () => {
  it('JSON webhook: POST, exact UTF-8 bytes, delivery headers', () => {
    const plan: DeliveryPlan = { ...webhookProfile({ kind: 'none' }), url: 'https://receiver.example/hook?x=1' };
    const req = buildRequest(plan, facts);
    assert.equal(req.method, 'POST');
    assert.equal(req.url, 'https://receiver.example/hook?x=1');
    assert.deepEqual(req.headers, {
      'Content-Type': 'application/json',
      'User-Agent': 'Hookline/1.2.3',
      'Hookline-Delivery-Id': facts.deliveryId,
      'Hookline-Event-Id': 'evt-1',
      'Hookline-Topic': 'Accounts.Update',
      'Hookline-Attempt-At': '2026-01-01T00:00:05.250Z',
      'webhook-id': facts.deliveryId,
      'webhook-timestamp': '1767225605',
    });
    assert.deepEqual(req.body, Buffer.from('{"id":"evt-1","topic":"Accounts.Update","data":{"name":"Jörg"}}', 'utf8'));
    assert.deepEqual(req.signing, { deliveryId: facts.deliveryId, timestampSeconds: 1767225605, body: req.body });
  });

  it('push notification: User-Agent DataNotifier', () => {
    const req = buildRequest({ ...pushNotificationProfile({ jwtCredentialId: 'c1', expireAfterDays: 3 }), url: 'https://push.example/' }, facts);
    assert.equal(req.headers['User-Agent'], 'DataNotifier');
    assert.equal(req.headers['Content-Type'], 'application/json');
    assert.equal(req.method, 'POST');
  });

  it('a delivery that did not come from an event names no event or topic', () => {
    const { source: _source, ...noSource } = facts;
    const req = buildRequest({ ...webhookProfile({ kind: 'none' }), url: 'https://receiver.example/' }, noSource);
    assert.equal(req.headers['Hookline-Event-Id'], undefined);
    assert.equal(req.headers['Hookline-Topic'], undefined);
    assert.equal(req.headers['Hookline-Delivery-Id'], facts.deliveryId);
  });

  it('form data: POST, urlencoded, lists repeat the field', () => {
    const plan = { ...customIntegrationProfile({ method: 'POST' }), url: 'https://ci.example/client/' };
    const req = buildRequest(plan, { ...facts, payload: { id: 'client_1', reminder: ['1', 2], ok: true, note: 'a b&c' } });
    assert.equal(req.method, 'POST');
    assert.equal(req.headers['Content-Type'], 'application/x-www-form-urlencoded');
    assert.equal(req.body?.toString(), 'id=client_1&reminder=1&reminder=2&ok=true&note=a+b%26c');
  });

  it('query string: GET, fields appended to the URL, no body', () => {
    const plan = { ...customIntegrationProfile({ method: 'GET' }), url: 'https://ci.example/p/?static=1' };
    const req = buildRequest(plan, { ...facts, payload: { id: 'client_1' } });
    assert.equal(req.method, 'GET');
    assert.equal(req.url, 'https://ci.example/p/?static=1&id=client_1');
    assert.equal(req.body, undefined);
    assert.equal(req.headers['Content-Type'], undefined);
    assert.equal(req.signing.body.length, 0);
  });

  const bad: [string, DeliveryPlan, unknown][] = [
    ['a form payload that is not an object', { ...customIntegrationProfile({ method: 'POST' }), url: 'https://x.example/' }, ['a']],
    ['a nested form field', { ...customIntegrationProfile({ method: 'GET' }), url: 'https://x.example/' }, { a: { b: 1 } }],
    ['a non-finite number', { ...customIntegrationProfile({ method: 'GET' }), url: 'https://x.example/' }, { a: Number.NaN }],
    ['an undefined JSON payload', { ...webhookProfile({ kind: 'none' }), url: 'https://x.example/' }, undefined],
    ['a bad URL', { ...webhookProfile({ kind: 'none' }), url: 'not a url' }, {}],
  ];
  for (const [name, plan, payload] of bad) it(`refuses ${name}`, () => assert.throws(() => buildRequest(plan, { ...facts, payload }), InvalidPayloadError));
});

describe('withAuthHeaders', () => {
  it("adds the signer's headers, replacing same-named ones whatever their case", () => {
    const req = buildRequest({ ...webhookProfile({ kind: 'standard-webhooks', credentialId: 'c' }), url: 'https://x.example/' }, facts);
    const signed = withAuthHeaders(req, { 'Webhook-Id': facts.deliveryId, 'webhook-timestamp': '1767225605', 'webhook-signature': 'v1,abc' });
    assert.equal(signed.headers['webhook-id'], undefined);
    assert.equal(signed.headers['Webhook-Id'], facts.deliveryId);
    assert.equal(signed.headers['webhook-signature'], 'v1,abc');
    assert.equal(signed.body, req.body);
    assert.equal(req.headers['webhook-signature'], undefined, 'the original is left alone');
  });
});

describe('buildRequest from stored payload text', () => {
  it('sends a JSON payload as exactly the stored bytes', () => {
    const text = '{"b":1,  "a":"x"}';
    const req = buildRequest({ ...webhookProfile({ kind: 'none' }), url: 'https://r.example/' }, { ...facts, payload: undefined, payloadText: text });
    assert.equal(req.body?.toString('utf8'), text);
  });
  it('reads form and query fields from the text', () => {
    const req = buildRequest({ ...customIntegrationProfile({ method: 'GET' }), url: 'https://ci.example/p' }, { ...facts, payload: undefined, payloadText: '{"id":["a","b"]}' });
    assert.equal(req.url, 'https://ci.example/p?id=a&id=b');
    assert.throws(() => buildRequest({ ...customIntegrationProfile({ method: 'POST' }), url: 'https://ci.example/p' }, { ...facts, payload: undefined, payloadText: '{nope' }), InvalidPayloadError);
  });
});
