import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { customIntegrationProfile, hookupProfile, pushNotificationProfile, secretHeadersFor, webhookProfile } from './delivery-plan';
import { redactBody, redactHeaders, requestForLog, REDACTED } from './redaction';
import { buildRequest, withAuthHeaders } from './request-builder';

const facts = { deliveryId: 'd1', source: { eventId: 'e1', topic: 'T' }, attemptAt: new Date(0), version: '1' };

describe('redaction', () => {
  it('hides auth and signature headers whatever their case', () => {
    const p = webhookProfile({ kind: 'websub', credentialId: 'c', algorithm: 'sha256' }).redaction;
    assert.deepEqual(redactHeaders(p, { Authorization: 'Bearer x', 'X-Hub-Signature': 'sha256=1', 'Webhook-Signature': 'v1,x', 'Hookline-Topic': 'T' }), {
      Authorization: REDACTED,
      'X-Hub-Signature': REDACTED,
      'Webhook-Signature': REDACTED,
      'Hookline-Topic': 'T',
    });
  });
  it("hides a custom integration's static headers (the seed: sent headers are not logged)", () => {
    assert.ok(secretHeadersFor({ kind: 'static-headers', credentialId: 'c', headerNames: ['X-Api-Key'] }).includes('x-api-key'));
    const plan = { ...customIntegrationProfile({ method: 'POST', headersCredentialId: 'c', headerNames: ['X-Api-Key'] }), url: 'https://u:pw@x.example/' };
    const logged = requestForLog(plan.redaction, withAuthHeaders(buildRequest(plan, { ...facts, payload: { id: '1' } }), { 'X-Api-Key': 'k-123' }));
    assert.equal(logged.headers['X-Api-Key'], REDACTED);
    assert.equal(logged.body, 'id=1');
    assert.ok(!logged.url.includes('pw'), 'a password in the URL is hidden');
  });
  it("hides the push notification JWT", () => {
    const plan = { ...pushNotificationProfile({ jwtCredentialId: 'c', expireAfterDays: 1 }), url: 'https://x.example/' };
    const logged = requestForLog(plan.redaction, withAuthHeaders(buildRequest(plan, { ...facts, payload: {} }), { Authorization: 'eyJhbGciOi.x.y' }));
    assert.equal(logged.headers.Authorization, REDACTED);
    assert.equal(logged.headers['User-Agent'], 'DataNotifier');
  });
  it('hides secret body fields of a hookup notification, and nothing else', () => {
    const plan = { ...hookupProfile({ signingCredentialId: 'template:t', clientSecretCredentialId: 'installation:i:client-secret' }), url: 'https://x.example/' };
    const logged = requestForLog(plan.redaction, buildRequest(plan, { ...facts, payload: { client_id: 'abc', client_secret: 's3cr3t', provet_id: 1 } }));
    assert.deepEqual(JSON.parse(logged.body), { client_id: 'abc', client_secret: REDACTED, provet_id: 1 });
  });
  const bodies: [string, string | undefined, string, string][] = [
    ['nested paths and arrays', 'application/json', '{"a":{"b":"x","c":1},"l":[{"b":"y"}]}', '{"a":{"b":"[redacted]","c":1},"l":[{"b":"y"}]}'],
    ['form fields', 'application/x-www-form-urlencoded', 'a.b=1&client_secret=z', 'a.b=%5Bredacted%5D&client_secret=%5Bredacted%5D'],
    ['unparseable JSON is kept', 'application/json', '{bad', '{bad'],
    ['plain text is kept', 'text/plain', 'client_secret=z', 'client_secret=z'],
  ];
  for (const [name, type, body, expected] of bodies) {
    it(name, () => assert.equal(redactBody({ secretHeaders: [], secretBodyFields: ['a.b', 'client_secret'] }, type, body), expected));
  }
});
