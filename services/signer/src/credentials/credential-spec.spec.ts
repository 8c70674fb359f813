import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CredentialSpec } from '@hookline/contracts';
import { standardWebhooksKey } from '@hookline/delivery';
import { generatedSpec, InvalidCredentialError, isHmacScheme, splitSpec } from './credential-spec';

describe('splitSpec', () => {
  it('generates a websub secret when none is given, and keeps the algorithm as a parameter', () => {
    const s = splitSpec({ scheme: 'websub', algorithm: 'sha512' });
    assert.equal(s.generated, true);
    assert.ok(s.secret.length >= 40);
    assert.deepEqual(s.params, { algorithm: 'sha512' });
  });
  it('generates a whsec_ secret for Standard Webhooks', () => {
    const s = splitSpec({ scheme: 'standard-webhooks' });
    assert.equal(standardWebhooksKey(s.secret).length, 32);
  });
  it('keeps OAuth2 parameters apart from the client secret', () => {
    const s = splitSpec({ scheme: 'oauth2', tokenUrl: 'https://auth.example/token', clientId: 'c', clientSecret: 'shh', scope: 'hooks' });
    assert.deepEqual(s.params, { tokenUrl: 'https://auth.example/token', clientId: 'c', scope: 'hooks' });
    assert.equal(s.secret, 'shh');
    assert.ok(!JSON.stringify(s.params).includes('shh'));
  });
  it('static headers: the names are parameters, the values the secret', () => {
    const s = splitSpec({ scheme: 'static-headers', headers: { 'X-Api-Key': 'k1' } });
    assert.deepEqual(s.params, { headerNames: ['X-Api-Key'] });
    assert.deepEqual(JSON.parse(s.secret), { 'X-Api-Key': 'k1' });
  });
  const bad: [string, CredentialSpec][] = [
    ['a short whsec_ key', { scheme: 'standard-webhooks', secret: `whsec_${Buffer.alloc(8).toString('base64')}` }],
    ['a token URL with credentials', { scheme: 'oauth2', tokenUrl: 'https://u:p@auth.example/', clientId: 'c', clientSecret: 's' }],
    ['a token URL that is not http', { scheme: 'oauth2', tokenUrl: 'ftp://auth.example/', clientId: 'c', clientSecret: 's' }],
    ['a static Host header', { scheme: 'static-headers', headers: { Host: 'evil' } }],
    ['a static Content-Length', { scheme: 'static-headers', headers: { 'content-length': '1' } }],
    ['overriding the delivery id', { scheme: 'static-headers', headers: { 'Hookline-Delivery-Id': 'x' } }],
    ['overriding the signature', { scheme: 'token-header', header: 'webhook-signature', prefix: '', token: 't' }],
    ['two headers differing in case only', { scheme: 'static-headers', headers: { 'X-A': '1', 'x-a': '2' } }],
  ];
  for (const [name, spec] of bad) it(`refuses ${name}`, () => assert.throws(() => splitSpec(spec), InvalidCredentialError));
});

describe('rotation helpers', () => {
  it('only HMAC schemes get a generated secret and an overlap', () => {
    assert.deepEqual(generatedSpec('websub', { algorithm: 'sha1' }), { scheme: 'websub', algorithm: 'sha1' });
    assert.deepEqual(generatedSpec('standard-webhooks', {}), { scheme: 'standard-webhooks' });
    assert.equal(generatedSpec('oauth2', {}), undefined);
    assert.equal(isHmacScheme('websub'), true);
    assert.equal(isHmacScheme('token-header'), false);
  });
});
