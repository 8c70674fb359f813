import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SIGNER_SUBJECTS } from '@hookline/contracts';
import { checkRequest, replyProblems } from './request-validator';

const sign = { tenantId: 'acme', credentialId: 'rcv-1', scheme: 'websub', deliveryId: '0196f3a2-7c1e-7d2a-9b3c-1a2b3c4d5e6f', timestamp: 1767225600, body: Buffer.from('{}').toString('base64') };

describe('request schemas', () => {
  it('accepts a sign request', () => assert.equal(checkRequest(SIGNER_SUBJECTS.sign, sign).ok, true));
  it('accepts a body-secret request that writes a field and then signs', () => {
    const r = { ...sign, scheme: 'body-secret', field: 'fields.client_secret', then: { scheme: 'standard-webhooks', credentialId: 'template:t1', tenantId: 'platform:catalogue' } };
    assert.equal(checkRequest(SIGNER_SUBJECTS.sign, r).ok, true);
    assert.equal(checkRequest(SIGNER_SUBJECTS.sign, { ...r, field: 'a..b' }).ok, false);
    assert.equal(checkRequest(SIGNER_SUBJECTS.sign, { ...r, then: { scheme: 'websub', credentialId: 'x', tenantId: 't' } }).ok, false);
  });
  const badSign: [string, unknown, RegExp][] = [
    ['a missing delivery id', { ...sign, deliveryId: undefined }, /deliveryId/],
    ['an unknown field', { ...sign, secret: 'x' }, /additional properties \(secret\)/],
    ['a fractional timestamp', { ...sign, timestamp: 1.5 }, /timestamp/],
    ['a body that is not base64', { ...sign, body: 'not base64!' }, /body/],
    ['an unknown scheme', { ...sign, scheme: 'md5' }, /scheme/],
    ['an id with a newline', { ...sign, tenantId: 'a\nb' }, /tenantId/],
    ['not an object', 'sign me', /object/],
  ];
  for (const [name, data, message] of badSign) {
    it(`refuses ${name}`, () => {
      const r = checkRequest(SIGNER_SUBJECTS.sign, data);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.message, message);
    });
  }
  const creates: [string, unknown, boolean][] = [
    ['websub without a secret', { scheme: 'websub', algorithm: 'sha256' }, true],
    ['websub with a short secret', { scheme: 'websub', algorithm: 'sha256', secret: 'short' }, false],
    ['standard webhooks with a whsec_ secret', { scheme: 'standard-webhooks', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, true],
    ['standard webhooks with a raw secret', { scheme: 'standard-webhooks', secret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, false],
    ['oauth2', { scheme: 'oauth2', tokenUrl: 'https://auth.example/token', clientId: 'c', clientSecret: 's', audience: 'a' }, true],
    ['oauth2 without a secret', { scheme: 'oauth2', tokenUrl: 'https://auth.example/token', clientId: 'c' }, false],
    ['a push-notification JWT header', { scheme: 'token-header', header: 'Authorization', prefix: '', token: 'eyJ.x.y' }, true],
    ['a header value with CRLF', { scheme: 'token-header', header: 'Authorization', prefix: '', token: 'a\r\nX-Evil: 1' }, false],
    ['a header name with a space', { scheme: 'static-headers', headers: { 'X Api': 'v' } }, false],
    ['static headers', { scheme: 'static-headers', headers: { 'X-Api-Key': 'v' } }, true],
    ['a body secret', { scheme: 'body-secret', value: 'a-client-secret-of-some-length' }, true],
    ['a short body secret', { scheme: 'body-secret', value: 'short' }, false],
    ['a verification salt', { scheme: 'verification-hash', salt: 'shared-secret' }, true],
    ['an empty verification salt', { scheme: 'verification-hash', salt: '' }, false],
    ['a verification hash without a salt', { scheme: 'verification-hash' }, false],
    ['an inbound github secret', { scheme: 'inbound-hmac', preset: 'github', secret: 'a-github-webhook-secret' }, true],
    ['an inbound generic hmac', { scheme: 'inbound-hmac', preset: 'hmac', header: 'X-Signature', algorithm: 'sha512', encoding: 'base64', prefix: 'v1=' }, true],
    ['an inbound preset that does not exist', { scheme: 'inbound-hmac', preset: 'paypal' }, false],
    ['an inbound prefix with a space', { scheme: 'inbound-hmac', preset: 'hmac', prefix: 'sha256 =' }, false],
  ];
  for (const [name, spec, ok] of creates) {
    it(`create: ${ok ? 'accepts' : 'refuses'} ${name}`, () => {
      assert.equal(checkRequest(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'r1', spec }).ok, ok);
    });
  }
});

describe('verify requests', () => {
  const verify = { tenantId: 'acme', credentialId: 'listener:1', headers: { 'x-hub-signature-256': 'sha256=00' }, body: Buffer.from('{}').toString('base64') };
  it('accepts a verify request', () => assert.equal(checkRequest(SIGNER_SUBJECTS.verify, verify).ok, true));
  it('refuses one without a body', () => assert.equal(checkRequest(SIGNER_SUBJECTS.verify, { ...verify, body: undefined }).ok, false));
  it('refuses header values that are not strings', () => assert.equal(checkRequest(SIGNER_SUBJECTS.verify, { ...verify, headers: { a: 1 } }).ok, false));
});

describe('batch schemas', () => {
  it('accepts a batch of requests; each item is checked as a sign request on its own', () => {
    assert.equal(checkRequest(SIGNER_SUBJECTS.signBatch, { requests: [sign, { nonsense: true }] }).ok, true);
  });
  it('refuses an empty batch, too many requests and unknown fields', () => {
    assert.equal(checkRequest(SIGNER_SUBJECTS.signBatch, { requests: [] }).ok, false);
    assert.equal(checkRequest(SIGNER_SUBJECTS.signBatch, { requests: Array.from({ length: 501 }, () => sign) }).ok, false);
    assert.equal(checkRequest(SIGNER_SUBJECTS.signBatch, { requests: [sign], secret: 'x' }).ok, false);
  });
  it('accepts a reply whose items are sign replies, ok or not', () => {
    const replies = [{ ok: true, result: { headers: { 'X-Hub-Signature': 'sha256=00' }, versions: [1] } }, { ok: false, error: { code: 'not-found', message: 'x' } }];
    assert.equal(replyProblems(SIGNER_SUBJECTS.signBatch, { ok: true, result: { replies } }), undefined);
  });
});

describe('reply schemas', () => {
  it('accept the envelopes the signer sends', () => {
    assert.equal(replyProblems(SIGNER_SUBJECTS.sign, { ok: true, result: { headers: { 'X-Hub-Signature': 'sha256=00' }, versions: [1] } }), undefined);
    assert.equal(replyProblems(SIGNER_SUBJECTS.sign, { ok: true, result: { headers: {}, fields: { timestamp: '1', verification: 'ab' }, versions: [1] } }), undefined);
    assert.equal(replyProblems(SIGNER_SUBJECTS.sign, { ok: false, error: { code: 'not-found', message: 'x' } }), undefined);
    assert.notEqual(replyProblems(SIGNER_SUBJECTS.sign, { ok: false, error: { code: 'nope', message: 'x' } }), undefined);
  });
});
