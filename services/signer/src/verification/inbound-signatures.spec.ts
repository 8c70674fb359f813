// Shared vectors: each preset's signature is made by an independent implementation
// (@octokit/webhooks-methods for GitHub, the standardwebhooks library, Stripe's
// documented scheme computed here) and checked by verifyInbound.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { verifyInbound, type InboundParams } from './inbound-signatures';

const body = Buffer.from('{"action":"opened","issue":{"id":1,"title":"Ünïcode \\"quoted\\""}}');
const now = 1_767_225_600;
const secret = 'It\'s a Secret to Everybody';

// ESM-only; the compiler would turn import() into require(), a Function body is left alone.
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
async function githubSignature(s: string, payload: string): Promise<string> {
  const { sign } = await importEsm<{ sign(secret: string, payload: string): Promise<string> }>('@octokit/webhooks-methods');
  return sign(s, payload);
}

describe('verifyInbound: github', () => {
  const p: InboundParams = { preset: 'github' };
  it('accepts what @octokit/webhooks-methods signs, naming the version', async () => {
    const sig = await githubSignature(secret, body.toString('utf8'));
    assert.deepEqual(verifyInbound(p, [{ version: 2, secret: 'newer-secret-value' }, { version: 1, secret }], { 'x-hub-signature-256': sig }, body, now), { valid: true, version: 1 });
  });
  it('matches GitHub\'s documented example', () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const r = verifyInbound(p, [{ version: 1, secret }], { 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' }, Buffer.from('Hello, World!'), now);
    assert.equal(r.valid, true);
  });
  const bad: [string, Record<string, string>, RegExp][] = [
    ['a missing header', {}, /missing/],
    ['a sha1 signature', { 'x-hub-signature-256': 'sha1=0000000000000000000000000000000000000000' }, /not sha256/],
    ['another secret', { 'x-hub-signature-256': `sha256=${createHmac('sha256', 'other').update(body).digest('hex')}` }, /does not match/],
  ];
  for (const [name, headers, reason] of bad) {
    it(`refuses ${name}`, () => {
      const r = verifyInbound(p, [{ version: 1, secret }], headers, body, now);
      assert.equal(r.valid, false);
      if (!r.valid) assert.match(r.reason, reason);
    });
  }
  it('refuses a changed body', async () => {
    const sig = await githubSignature(secret, body.toString('utf8'));
    assert.equal(verifyInbound(p, [{ version: 1, secret }], { 'x-hub-signature-256': sig }, Buffer.concat([body, Buffer.from(' ')]), now).valid, false);
  });
});

describe('verifyInbound: stripe', () => {
  const p: InboundParams = { preset: 'stripe', toleranceSeconds: 300 };
  const stripeSecret = 'whsec_test_secret_0123456789abcdef';
  const header = (t: number, s = stripeSecret) => `t=${t},v1=${createHmac('sha256', s).update(`${t}.`).update(body).digest('hex')},v0=deadbeef`;
  const table: [string, string, boolean][] = [
    ['a fresh signature', header(now - 10), true],
    ['a signature at the tolerance edge', header(now - 300), true],
    ['an old signature', header(now - 301), false],
    ['a signature from the future beyond tolerance', header(now + 400), false],
    ['another secret', header(now, 'whsec_other'), false],
    ['no timestamp', `v1=${'0'.repeat(64)}`, false],
  ];
  for (const [name, h, ok] of table) it(`${ok ? 'accepts' : 'refuses'} ${name}`, () => assert.equal(verifyInbound(p, [{ version: 1, secret: stripeSecret }], { 'stripe-signature': h }, body, now).valid, ok));
  it('accepts one of several v1 signatures (Stripe sends one per active secret)', () => {
    const h = `t=${now},v1=${'ab'.repeat(32)},v1=${createHmac('sha256', stripeSecret).update(`${now}.`).update(body).digest('hex')}`;
    assert.equal(verifyInbound(p, [{ version: 1, secret: stripeSecret }], { 'stripe-signature': h }, body, now).valid, true);
  });
});

describe('verifyInbound: standard-webhooks', () => {
  const p: InboundParams = { preset: 'standard-webhooks', toleranceSeconds: 300 };
  const whsec = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const signed = (id: string, ts: number) => new Webhook(whsec).sign(id, new Date(ts * 1000), body.toString('utf8'));
  it('accepts what the standardwebhooks library signs', () => {
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now), 'webhook-signature': `v1,bm90IGl0 ${signed('msg_1', now)}` };
    assert.deepEqual(verifyInbound(p, [{ version: 3, secret: whsec }], headers, body, now), { valid: true, version: 3 });
  });
  it('refuses a signature for another message id', () => {
    const headers = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(now), 'webhook-signature': signed('msg_1', now) };
    assert.equal(verifyInbound(p, [{ version: 1, secret: whsec }], headers, body, now).valid, false);
  });
  it('refuses a stale timestamp', () => {
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now - 1000), 'webhook-signature': signed('msg_1', now - 1000) };
    const r = verifyInbound(p, [{ version: 1, secret: whsec }], headers, body, now);
    assert.equal(r.valid, false);
    if (!r.valid) assert.match(r.reason, /tolerance/);
  });
});

describe('verifyInbound: generic hmac', () => {
  const table: [string, InboundParams, (s: string) => string, boolean][] = [
    ['sha256 hex with a prefix', { preset: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' }, (s) => `sha256=${createHmac('sha256', s).update(body).digest('hex')}`, true],
    ['sha512 base64', { preset: 'hmac', header: 'x-sig', algorithm: 'sha512', encoding: 'base64', prefix: '' }, (s) => createHmac('sha512', s).update(body).digest('base64'), true],
    ['sha1 hex', { preset: 'hmac', header: 'x-sig', algorithm: 'sha1', encoding: 'hex', prefix: '' }, (s) => createHmac('sha1', s).update(body).digest('hex'), true],
    ['the wrong algorithm', { preset: 'hmac', header: 'x-sig', algorithm: 'sha512', encoding: 'hex', prefix: '' }, (s) => createHmac('sha256', s).update(body).digest('hex'), false],
    ['a missing prefix', { preset: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', prefix: 'v1=' }, (s) => createHmac('sha256', s).update(body).digest('hex'), false],
    ['not hex', { preset: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', prefix: '' }, () => 'zz', false],
  ];
  for (const [name, p, make, ok] of table) it(`${ok ? 'accepts' : 'refuses'} ${name}`, () => assert.equal(verifyInbound(p, [{ version: 1, secret }], { 'x-sig': make(secret) }, body, now).valid, ok));
});
