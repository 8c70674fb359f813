// Secrets at rest and in logs: after a full run (API accounts with their tokens and TOTP
// seeds, logins, impersonation, credential resets, receivers with WebSub, Standard
// Webhooks and OAuth2 secrets, rotations, deliveries with retries and a resend), none of
// the known secrets, tokens or TOTP seeds, in any common encoding, appears in any
// service log (at debug level), in a pg_dump of the database, in the rows of every
// table, in the webhook log's API, or in the files of the JetStream store.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { ACTIONS } from '@hookline/auth';
import { createAccount, dumpDatabase, eventually, listAllDeliveries, login, pgDump, startReceiver, startTestStack, TestAccount, TestReceiver, TestStack } from '@hookline/testing';

const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
type OAuth2Mock = typeof import('oauth2-mock-server', { with: { 'resolution-mode': 'import' } });

const TENANT = 'secrets';

/** A secret and the encodings it could leak in: as given, and its bytes as hex and base64. */
interface Known {
  what: string;
  forms: string[];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((p) => statSync(p).isFile());
}

describe('secrets never appear in logs or at rest', () => {
  let stack: TestStack;
  let oauth: InstanceType<OAuth2Mock['OAuth2Server']>;
  const known: Known[] = [];
  const receivers: TestReceiver[] = [];
  const oauthTokens = new Set<string>();
  /** Public halves that must be found where the secrets are not: proof the search can find things. */
  const lookupIds: string[] = [];

  function remember(what: string, secret: string, raw?: Buffer) {
    assert.ok(secret.length >= 16, `${what} is too short to search for`);
    const forms = [secret];
    if (raw) forms.push(raw.toString('hex'), raw.toString('base64'), raw.toString('base64url'));
    else forms.push(Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('base64'));
    known.push({ what, forms: forms.filter((f) => f.length >= 16) });
  }

  function rememberAccount(a: TestAccount) {
    lookupIds.push(a.token.split('.')[0].slice('hlk_'.length));
    remember(`API token of ${a.name}`, a.token);
    remember(`API token secret half of ${a.name}`, a.token.split('.')[1]);
    remember(`TOTP seed of ${a.name}`, a.totpSecret, Buffer.from(OTPAuth.Secret.fromBase32(a.totpSecret).bytes));
  }

  function leaks(text: string): string[] {
    const found: string[] = [];
    for (const k of known) for (const f of k.forms) if (text.includes(f)) found.push(`${k.what} (${f === k.forms[0] ? 'as is' : 'encoded'})`);
    return found;
  }

  before(async () => {
    const { OAuth2Server } = await importEsm<OAuth2Mock>('oauth2-mock-server');
    oauth = new OAuth2Server();
    await oauth.issuer.keys.generate('RS256');
    await oauth.start(0, '127.0.0.1');
    oauth.issuer.url = `http://127.0.0.1:${oauth.address().port}`;
    oauth.service.on('beforeResponse', (res: { body: { access_token?: string } }, req: IncomingMessage) => {
      if (req.url?.startsWith('/token') && res.body.access_token) oauthTokens.add(res.body.access_token);
    });
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        HOOKLINE_RETRY_SCHEDULE: '300ms,300ms,300ms,300ms',
        HOOKLINE_RETRY_POLL_INTERVAL: '50ms',
        // The most talkative level the services have below trace: redaction must hold there too.
        HOOKLINE_LOG_LEVEL: 'debug',
      },
    });
  });
  after(async () => {
    for (const r of receivers) await r.close();
    await oauth?.stop();
    await stack?.stop();
  });

  it('a full run: accounts, logins, impersonation, resets, receivers of every protocol, rotations, deliveries, retries, a resend', async () => {
    const op = stack.operator;
    assert.equal((await op.post('/v1/tenants', { id: TENANT, name: 'Secrets' })).status, 201);
    assert.equal((await op.post('/v1/units', { tenant: TENANT, id: 'hq', name: 'HQ' })).status, 201);
    assert.equal((await op.post('/v1/users', { tenant: TENANT, id: 'grace', displayName: 'Grace', units: '*' })).status, 201);
    assert.equal((await op.post('/v1/topics', { tenant: TENANT, name: 'Orders.Paid' })).status, 201);

    // Accounts, a login, an impersonation, a failed login with the right token, and a credential reset.
    const admin = await createAccount(op, { tenant: TENANT, name: 'admin', grants: [{ actions: [...ACTIONS], units: '*' }] });
    rememberAccount(admin);
    const { client: api, body: session } = await login(stack.anonymous, admin);
    remember('access token of admin', session.accessToken);
    const asUser = await stack.anonymous.post(
      '/oauth/token',
      new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: session.accessToken, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', requested_subject: 'grace' }).toString(),
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    assert.equal(asUser.status, 200, asUser.text);
    remember('impersonation token', asUser.body.access_token);
    const wrongCode = (Number(await admin.nextCode()) + 1) % 1_000_000;
    assert.equal((await stack.anonymous.post('/v1/auth/login', { account: admin.id, token: admin.token, totp: String(wrongCode).padStart(6, '0') })).status, 401);
    const receiving = await createAccount(api, { name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*' }] });
    rememberAccount(receiving);
    const reset = await api.post(`/v1/accounts/${receiving.id}/credentials`);
    assert.equal(reset.status, 201, reset.text);
    rememberAccount({ ...receiving, name: 'receiving (reset)', token: reset.body.credentials.token, totpSecret: reset.body.credentials.totp.secret });
    // The old token's lookup id is gone with it; the current ones stay findable.
    lookupIds.splice(lookupIds.indexOf(receiving.token.split('.')[0].slice('hlk_'.length)), 1);

    // Receivers of every protocol; one turns away first attempts, so retries happen.
    const seen = new Set<string>();
    const add = async (body: Record<string, unknown>) => {
      const r = await startReceiver((q) => {
        if (body.name === 'flaky' && !seen.has(q.headers['hookline-delivery-id'])) {
          seen.add(q.headers['hookline-delivery-id']);
          return { status: 503 };
        }
        return { status: 200 };
      });
      receivers.push(r);
      const res = await api.post('/v1/receivers', { url: r.url, topics: ['Orders.*'], accountId: receiving.id, ...body });
      assert.equal(res.status, 201, res.text);
      return { id: res.body.receiver.id as string, secret: res.body.secret as string | undefined, server: r };
    };
    const generated = await add({ name: 'websub-generated', auth: { protocol: 'websub', algorithm: 'sha256' } });
    remember('generated WebSub secret', generated.secret ?? '');
    const own = 'my-very-own-websub-secret-4711-abc';
    await add({ name: 'flaky', auth: { protocol: 'websub', algorithm: 'sha512', secret: own } });
    remember('given WebSub secret', own);
    const sw = await add({ name: 'standard', auth: { protocol: 'standard-webhooks' } });
    assert.match(sw.secret ?? '', /^whsec_/);
    remember('Standard Webhooks secret', sw.secret ?? '');
    remember('Standard Webhooks key', (sw.secret ?? '').slice('whsec_'.length), Buffer.from((sw.secret ?? '').slice('whsec_'.length), 'base64'));
    const clientSecret = 'oauth2-client-secret-value-0815-xyz';
    const o2 = await add({ name: 'oauth', auth: { protocol: 'oauth2', tokenUrl: `${oauth.issuer.url}/token`, clientId: 'hookline', clientSecret, scope: 'webhooks' } });
    remember('OAuth2 client secret', clientSecret);

    const publish = async (i: number) => {
      const res = await api.post('/v1/events', { topic: 'Orders.Paid', object: { type: 'order', id: `o-${i}`, unit: 'hq' }, data: { i } });
      assert.equal(res.status, 202, res.text);
    };
    for (let i = 0; i < 4; i++) await publish(i);

    // Rotations: WebSub (overlap) and OAuth2 (a new client secret); then more deliveries.
    const rotated = await api.post(`/v1/receivers/${generated.id}/rotate-secret`, { overlapSeconds: 60 });
    assert.equal(rotated.status, 201, rotated.text);
    remember('rotated WebSub secret', rotated.body.secret);
    const newClientSecret = 'oauth2-client-secret-rotated-4242-q';
    assert.equal((await api.post(`/v1/receivers/${o2.id}/rotate-secret`, { secret: newClientSecret })).status, 201);
    remember('rotated OAuth2 client secret', newClientSecret);
    const swRotated = await api.post(`/v1/receivers/${sw.id}/rotate-secret`, { overlapSeconds: 60 });
    assert.equal(swRotated.status, 201, swRotated.text);
    remember('rotated Standard Webhooks secret', swRotated.body.secret);
    for (let i = 4; i < 8; i++) await publish(i);

    await eventually('every delivery succeeded', async () => {
      const all = await listAllDeliveries(op, TENANT);
      if (all.length === 8 * 4 && all.every((d) => d.status === 'succeeded')) return true;
      throw new Error(`${all.length} deliveries: ${all.filter((d) => d.status !== 'succeeded').map((d) => `${d.target.name} ${d.status} ${d.lastErrorClass ?? ''} ${String(d.statusReason ?? '')}`).slice(0, 5).join('; ')}`);
    }, 60_000);
    const one = (await listAllDeliveries(op, TENANT, `target=${o2.id}`))[0];
    assert.equal((await op.post(`/v1/deliveries/${one.id}/resend?tenant=${TENANT}`)).status, 202);
    await eventually('the resend', async () => o2.server.requests.length === 9);
    assert.ok(oauthTokens.size >= 1, 'the OAuth2 receiver got tokens');
    for (const t of oauthTokens) remember('OAuth2 access token', t);
    for (const q of o2.server.requests) assert.match(q.headers.authorization ?? '', /^Bearer /);
  });

  it('no secret in any service log', () => {
    assert.ok(known.length >= 15, `${known.length} secrets recorded`);
    const logs = stack.allLogLines().join('\n');
    assert.ok(logs.includes('account logged in') && /"level":"debug"/.test(logs), 'the logs searched are the real, talkative ones');
    assert.deepEqual(leaks(logs), []);
    for (const s of [stack.operatorToken, stack.env.HOOKLINE_ENCRYPTION_KEY]) assert.ok(!logs.includes(s), 'the operator token or the encryption key in the logs');
  });

  it('no secret in a pg_dump of the database, nor in any row', async () => {
    const dump = await pgDump(stack.databaseUrl);
    assert.ok(dump.includes('COPY public.accounts') && dump.includes('COPY public.delivery_credentials'), 'the dump holds the tables with secrets');
    assert.ok(lookupIds.length === 2 && lookupIds.every((id) => dump.includes(id)), 'the public lookup ids of the tokens are in the dump (so the secret halves would be found too)');
    assert.deepEqual(leaks(dump), []);
    const rows = await dumpDatabase(stack.databaseUrl);
    assert.ok(rows.includes('-- receivers') && rows.includes('-- deliveries'));
    assert.deepEqual(leaks(rows), []);
    for (const s of [stack.operatorToken, stack.env.HOOKLINE_ENCRYPTION_KEY]) assert.ok(!dump.includes(s));
  });

  it('no secret in the webhook log, the audit trail, or the JetStream store on disk', async () => {
    const texts: string[] = [];
    for (const d of await listAllDeliveries(stack.operator, TENANT)) texts.push((await stack.operator.get(`/v1/deliveries/${d.id}?tenant=${TENANT}`)).text);
    texts.push((await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&limit=500`)).text);
    texts.push((await stack.operator.get(`/v1/audit/events?tenant=${TENANT}&limit=500`)).text);
    const api = texts.join('\n');
    assert.ok(api.includes('[redacted]') && api.includes('credentials-reset'), 'the texts searched are the real ones');
    assert.deepEqual(leaks(api), []);
    const store = filesUnder(stack.nats.storeDir);
    const bytes = Buffer.concat(store.map((f) => readFileSync(f)));
    assert.ok(bytes.includes('Orders.Paid'), 'the store holds the streams, uncompressed');
    const found = known.flatMap((k) => k.forms.filter((f) => bytes.includes(f)).map(() => k.what));
    assert.deepEqual(found, []);
  });
});
