import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateStandardWebhooksSecret } from '@hookline/delivery';
import { ownSecretProblem, topicPatternProblem, urlCredentialsProblem } from './receiver-input-check';

describe('urlCredentialsProblem', () => {
  for (const url of ['https://crm.example.com/hooks', 'http://127.0.0.1:8080/in?token=abc', 'https://crm.example.com/a@b', 'not a url']) {
    it(`takes ${url}`, () => assert.equal(urlCredentialsProblem('url', url), undefined));
  }
  for (const url of ['https://user:pass@crm.example.com/hooks', 'https://user@crm.example.com/', 'https://:pass@crm.example.com/', 'http://a%40b:c@127.0.0.1/']) {
    it(`refuses ${url}, naming the field`, () => {
      const p = urlCredentialsProblem('auth.tokenUrl', url);
      assert.equal(p?.field, 'auth.tokenUrl');
      assert.match(p?.message ?? '', /^tokenUrl must not carry a user name or password/);
    });
  }
});

describe('ownSecretProblem', () => {
  it('no secret of your own: nothing to check', () => {
    for (const protocol of ['websub', 'standard-webhooks', 'oauth2', 'none']) assert.equal(ownSecretProblem('secret', protocol, undefined), undefined);
  });
  it('websub: 16 to 1024 characters, as on create', () => {
    assert.equal(ownSecretProblem('secret', 'websub', 'x'.repeat(16)), undefined);
    assert.equal(ownSecretProblem('secret', 'websub', 'x'.repeat(1024)), undefined);
    for (const s of ['a', 'x'.repeat(15), 'x'.repeat(1025)]) assert.deepEqual(ownSecretProblem('secret', 'websub', s), { field: 'secret', message: 'secret must be 16 to 1024 characters long' });
  });
  it('standard-webhooks: whsec_ and base64 of 24 to 64 bytes, as the signer asks', () => {
    assert.equal(ownSecretProblem('auth.secret', 'standard-webhooks', generateStandardWebhooksSecret()), undefined);
    for (const s of ['not-a-whsec-secret-at-all', 'whsec_!!!!!!!!!!!!!!!!!!!!', `whsec_${Buffer.alloc(16).toString('base64')}`, `whsec_${Buffer.alloc(65).toString('base64')}`]) {
      const p = ownSecretProblem('auth.secret', 'standard-webhooks', s);
      assert.equal(p?.field, 'auth.secret', s);
      assert.match(p?.message ?? '', /Standard Webhooks/);
    }
  });
  it('oauth2: the client secret is the provider\'s, any length', () => {
    assert.equal(ownSecretProblem('secret', 'oauth2', 'a'), undefined);
  });
});

describe('topicPatternProblem', () => {
  it('names, "*" anywhere and ">" last are patterns', () => {
    assert.equal(topicPatternProblem(['Accounts.Update', 'Accounts.*', 'Accounts.>', '*.Update', '>', '*']), undefined);
    assert.equal(topicPatternProblem(undefined), undefined);
  });
  it('">" before the last word is not, and each such topic is named', () => {
    assert.deepEqual(topicPatternProblem(['Orders.Paid', 'Orders.>.Refunded', '>.Paid']), {
      field: 'topics',
      message: 'each topic must be a topic name or pattern such as Accounts.Update or Accounts.*, with ">" only as the last word: not Orders.>.Refunded, >.Paid',
    });
  });
});
