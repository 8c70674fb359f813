import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webhookProfile, type AuthScheme } from './delivery-plan';
import { buildRequest } from './request-builder';
import { signRequestFor } from './signing-request';
import { judgeAttempt } from './success-criteria';

const facts = { payload: { a: 1 }, deliveryId: 'd-1', source: { eventId: 'e', topic: 'T' }, attemptAt: new Date('2026-01-01T00:00:00Z'), version: '1' };

describe('signRequestFor', () => {
  const req = (auth: AuthScheme) => buildRequest({ ...webhookProfile(auth), url: 'https://x.example/' }, facts);
  it('needs no signer for none', () => assert.equal(signRequestFor({ kind: 'none' }, 't', req({ kind: 'none' }).signing), undefined));
  it('sends the exact body bytes for HMAC schemes', () => {
    const auth: AuthScheme = { kind: 'standard-webhooks', credentialId: 'c1' };
    assert.deepEqual(signRequestFor(auth, 'acme', req(auth).signing), {
      tenantId: 'acme',
      credentialId: 'c1',
      scheme: 'standard-webhooks',
      deliveryId: 'd-1',
      timestamp: 1767225600,
      body: Buffer.from('{"a":1}').toString('base64'),
    });
  });
  it('leaves the body out for OAuth2, and passes a forced refresh', () => {
    const auth: AuthScheme = { kind: 'oauth2', credentialId: 'c2', tokenUrl: 'https://a.example/t', clientId: 'x' };
    const s = signRequestFor(auth, 'acme', req(auth).signing, { forceRefresh: true });
    assert.equal(s?.body, undefined);
    assert.equal(s?.forceRefresh, true);
  });
});

describe('judgeAttempt', () => {
  it('passes a transport failure through', () => {
    assert.deepEqual(judgeAttempt({ kind: '2xx' }, { kind: 'error', errorClass: 'timeout', reason: 'no complete response within 15000 ms' }), {
      ok: false,
      errorClass: 'timeout',
      reason: 'no complete response within 15000 ms',
    });
  });
  it('judges a response by the criterion', () => {
    assert.deepEqual(judgeAttempt({ kind: '2xx' }, { kind: 'response', status: 204, headers: {}, body: '' }), { ok: true });
  });
});
