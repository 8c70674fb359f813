import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { WebSubAlgorithm } from './delivery-plan';
import {
  generateStandardWebhooksSecret,
  standardWebhooksHeaders,
  standardWebhooksKey,
  standardWebhooksSignature,
  webSubHeaders,
  webSubSignature,
} from './signatures';
import { importEsm } from './testdata/import-esm';

interface Vectors {
  websub: { algorithm: WebSubAlgorithm; secret: string; body: string; signature: string }[];
  standardWebhooks: { secret: string; id: string; timestamp: number; body: string; signature: string }[];
  standardWebhooksRotation: { secrets: string[]; id: string; timestamp: number; body: string; signature: string };
}
const vectors = JSON.parse(readFileSync(join(__dirname, 'testdata', 'signatures.json'), 'utf8')) as Vectors;
type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });
const octokit = () => importEsm<Octokit>('@octokit/webhooks-methods');
const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('WebSub X-Hub-Signature against the shared vectors', () => {
  for (const v of vectors.websub) {
    it(`${v.algorithm} over ${JSON.stringify(v.body.slice(0, 20))}`, async () => {
      assert.equal(webSubSignature(v.algorithm, v.secret, bytes(v.body)), v.signature);
      assert.deepEqual(webSubHeaders(v.algorithm, v.secret, bytes(v.body)), { 'X-Hub-Signature': v.signature });
      if (v.algorithm === 'sha256' && v.body !== '') {
        // An independent verifier (GitHub's; it refuses empty payloads) agrees with the vector and with us.
        const { verify, sign } = await octokit();
        assert.equal(await sign(v.secret, v.body), v.signature);
        assert.equal(await verify(v.secret, v.body, webSubSignature('sha256', v.secret, bytes(v.body))), true);
        assert.equal(await verify(`${v.secret}x`, v.body, v.signature), false);
      }
    });
  }
  it('signs the bytes, not a re-serialisation', () => {
    assert.notEqual(webSubSignature('sha256', 'k', bytes('{"a":1}')), webSubSignature('sha256', 'k', bytes('{"a": 1}')));
  });
});

describe('Standard Webhooks against the shared vectors', () => {
  for (const v of vectors.standardWebhooks) {
    it(`id ${v.id}`, () => {
      assert.equal(standardWebhooksSignature(v.secret, v.id, v.timestamp, bytes(v.body)), v.signature);
      // The reference library computes the same signature for the same inputs.
      assert.equal(new Webhook(v.secret).sign(v.id, new Date(v.timestamp * 1000), v.body), v.signature);
    });
  }
  it('rotation: old and new both sign, space-separated', () => {
    const r = vectors.standardWebhooksRotation;
    assert.deepEqual(standardWebhooksHeaders(r.secrets, r.id, r.timestamp, bytes(r.body)), {
      'webhook-id': r.id,
      'webhook-timestamp': String(r.timestamp),
      'webhook-signature': r.signature,
    });
  });
  it('the reference verifier accepts a fresh signature, with the old or the new secret during an overlap', () => {
    const oldSecret = generateStandardWebhooksSecret();
    const newSecret = generateStandardWebhooksSecret();
    const body = '{"hello":"wörld"}';
    const ts = Math.floor(Date.now() / 1000);
    const headers = standardWebhooksHeaders([newSecret, oldSecret], 'del_123', ts, bytes(body));
    assert.deepEqual(new Webhook(oldSecret).verify(body, headers), { hello: 'wörld' });
    assert.deepEqual(new Webhook(newSecret).verify(body, headers), { hello: 'wörld' });
    assert.throws(() => new Webhook(generateStandardWebhooksSecret()).verify(body, headers));
    assert.throws(() => new Webhook(newSecret).verify(`${body} `, headers));
  });
  const badSecrets = ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_', 'whsec_!!!', `whsec_${Buffer.alloc(8).toString('base64')}`];
  for (const s of badSecrets) it(`refuses the secret ${JSON.stringify(s)}`, () => assert.throws(() => standardWebhooksKey(s)));
  it('refuses a fractional timestamp', () => assert.throws(() => standardWebhooksSignature(generateStandardWebhooksSecret(), 'a', 1.5, bytes(''))));
  it('generated secrets are 32 random bytes', () => {
    const a = generateStandardWebhooksSecret();
    assert.equal(standardWebhooksKey(a).length, 32);
    assert.notEqual(a, generateStandardWebhooksSecret());
  });
});
