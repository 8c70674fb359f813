// Listener admin calls that race or are refused, seen from ingest: a secret rotation sent
// together with a token regeneration or a disable must not undo it in what
// webhook-listener applies; a PATCH refused for a bad signature secret must leave the old
// secret verifying; and a token regenerated twice with overlaps keeps every earlier token
// until its own end, while one regenerated without overlap closes them all.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { assertProblem, createListener, eventually, listenerTenant, startTestStack, TestListener, TestStack } from '@hookline/testing';

const TENANT = 'listener-races';
const GITHUB_SECRET = 'a-github-webhook-secret-for-tests';
const ROUNDS = 8;

const githubSigned = (secret: string, body: string) => ({ 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` });

describe('listener admin calls that race or are refused', () => {
  let stack: TestStack;
  let serviceId: string;
  let sentinels = 0;

  async function send(l: { path: string }, body: string, headers: Record<string, string> = {}): Promise<number> {
    const res = await fetch(`${stack.url}${l.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    await res.arrayBuffer();
    return res.status;
  }

  /**
   * Returns once webhook-listener has applied every registry change made before the call:
   * it applies them in stream order, so a listener created now (no structure: ingest
   * answers 409) is seen only after all of them.
   */
  async function applied(): Promise<void> {
    const res = await stack.operator.post('/v1/listeners', { tenant: TENANT, serviceId, name: `sentinel-${++sentinels}` });
    assert.equal(res.status, 201, res.text);
    const path = res.body.listener.path as string;
    await eventually(`sentinel ${sentinels} at ingest`, async () => (await send({ path }, '{"id":1}')) === 409);
  }

  const admin = (l: TestListener, route: string, body: unknown) => stack.operator.post(`/v1/listeners/${l.id}${route}?tenant=${TENANT}`, body);
  const patch = (l: TestListener, body: unknown) => stack.operator.patch(`/v1/listeners/${l.id}?tenant=${TENANT}`, body);

  before(async () => {
    stack = await startTestStack();
    ({ serviceId } = await listenerTenant(stack.operator, TENANT));
  });
  after(async () => {
    await stack?.stop();
  });

  describe('a secret rotation racing another change', () => {
    let l: TestListener;
    let secret = GITHUB_SECRET;
    const signedWith = (token: string | undefined, body: string) => ({ ...(token ? { 'x-hook-token': token } : {}), ...githubSigned(secret, body) });

    before(async () => {
      l = await createListener(stack.operator, TENANT, serviceId, {
        name: 'raced',
        sample: { id: 1 },
        settings: { auth: { method: 'token', location: { in: 'header', name: 'X-Hook-Token' } }, signature: { preset: 'github', secret: GITHUB_SECRET } },
      });
      assert.equal(await send(l, '{"id":1}', signedWith(l.token, '{"id":1}')), 202);
    });

    it('with a token regeneration (no overlap): the new token opens and the old one is refused, as if one came after the other', async () => {
      let token = l.token as string;
      for (let round = 1; round <= ROUNDS; round++) {
        const [regen, rotated] = await Promise.all([admin(l, '/token', { overlapSeconds: 0 }), admin(l, '/rotate-signing-secret', {})]);
        assert.equal(regen.status, 201, regen.text);
        assert.equal(rotated.status, 201, rotated.text);
        const old = token;
        token = regen.body.token;
        secret = rotated.body.signingSecret;
        await applied();
        const body = JSON.stringify({ id: 100 + round });
        assert.equal(await send(l, body, signedWith(token, body)), 202, `round ${round}: the regenerated token opens the listener`);
        assert.equal(await send(l, body, signedWith(old, body)), 401, `round ${round}: the replaced token is refused`);
      }
    });

    it('with a disable: the listener stays disabled (404 at ingest), as if one came after the other', async () => {
      const token = (await admin(l, '/token', {})).body.token as string;
      for (let round = 1; round <= ROUNDS; round++) {
        const [disabled, rotated] = await Promise.all([patch(l, { enabled: false }), admin(l, '/rotate-signing-secret', {})]);
        assert.equal(disabled.status, 200, disabled.text);
        assert.equal(rotated.status, 201, rotated.text);
        secret = rotated.body.signingSecret;
        await applied();
        const body = JSON.stringify({ id: 200 + round });
        assert.equal(await send(l, body, signedWith(token, body)), 404, `round ${round}: the disabled listener answers 404`);
        assert.equal((await stack.operator.get(`/v1/listeners/${l.id}?tenant=${TENANT}`)).body.enabled, false);
        assert.equal((await patch(l, { enabled: true })).status, 200);
        await applied();
        assert.equal(await send(l, body, signedWith(token, body)), 202, `round ${round}: enabled again, with the rotated secret`);
      }
    });
  });

  describe('a PATCH refused for its signature secret', () => {
    it('leaves the old secret verifying; a valid PATCH still switches presets', async () => {
      const l = await createListener(stack.operator, TENANT, serviceId, { name: 'refused', sample: { id: 1 }, settings: { signature: { preset: 'github', secret: GITHUB_SECRET } } });
      const body = JSON.stringify({ id: 2 });
      assert.equal(await send(l, body, githubSigned(GITHUB_SECRET, body)), 202);

      assertProblem(await patch(l, { signature: { preset: 'standard-webhooks', secret: 'not-a-standard-webhooks-secret' } }), 400, 'signature');
      assert.deepEqual((await stack.operator.get(`/v1/listeners/${l.id}?tenant=${TENANT}`)).body.signature, { preset: 'github' });
      for (let i = 0; i < 3; i++) assert.equal(await send(l, body, githubSigned(GITHUB_SECRET, body)), 202, 'a correctly signed request is still accepted');
      assert.equal(await send(l, body, githubSigned('some-other-secret-entirely', body)), 401);

      const switched = await patch(l, { signature: { preset: 'standard-webhooks' } });
      assert.equal(switched.status, 200, switched.text);
      assert.match(switched.body.signingSecret, /^whsec_/);
      assert.equal(switched.body.listener.signature.preset, 'standard-webhooks');
      await applied();
      const ts = new Date();
      const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)), 'webhook-signature': new Webhook(switched.body.signingSecret).sign('msg_1', ts, body) };
      assert.equal(await send(l, body, headers), 202, 'the new preset and secret verify');
      assert.equal(await send(l, body, githubSigned(GITHUB_SECRET, body)), 401, 'the old secret is gone');
    });
  });

  describe('token regeneration with overlaps', () => {
    it('keeps every earlier token until its own end; one without overlap closes them all', async () => {
      const l = await createListener(stack.operator, TENANT, serviceId, { name: 'overlaps', sample: { id: 1 }, settings: { auth: { method: 'token', location: { in: 'header', name: 'X-Hook-Token' } } } });
      const opens = async (token: string) => (await send(l, '{"id":3}', { 'x-hook-token': token })) === 202;
      const t0 = l.token as string;
      const first = await admin(l, '/token', { overlapSeconds: 8 });
      assert.equal(first.status, 201, first.text);
      const t1 = first.body.token as string;
      const second = await admin(l, '/token', { overlapSeconds: 3600 });
      assert.equal(second.status, 201, second.text);
      const t2 = second.body.token as string;
      await applied();
      // t0's own end is 8 s after the first regeneration.
      assert.ok(Date.now() < Date.parse(first.body.previousTokenValidUntil), 'the checks below run inside t0 overlap');
      assert.deepEqual([await opens(t0), await opens(t1), await opens(t2)], [true, true, true], 'the first token still opens after a second regeneration');
      await eventually('the first token ends at its own end', async () => !(await opens(t0)), 20_000, 250);
      assert.ok(Date.now() >= Date.parse(first.body.previousTokenValidUntil) - 1000, 'not before its end');
      assert.deepEqual([await opens(t1), await opens(t2)], [true, true], 'the second keeps its longer overlap');

      const third = await admin(l, '/token', { overlapSeconds: 0 });
      assert.equal(third.status, 201, third.text);
      assert.equal(third.body.previousTokenValidUntil, undefined);
      await applied();
      assert.deepEqual([await opens(t0), await opens(t1), await opens(t2), await opens(third.body.token)], [false, false, false, true]);
    });
  });
});
