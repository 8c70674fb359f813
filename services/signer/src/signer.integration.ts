// The signer as the dispatcher and the registry use it: over a real nats-server
// (request/reply) with its credentials in a real PostgreSQL, signatures checked by
// independent verifiers, OAuth2 against a real OAuth2 server library on loopback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { ConfigError, loadConfig } from '@hookline/config';
import { SIGNER_SUBJECTS, type RpcReply, type RpcRequestOf, type RpcResultOf, type RpcSubject } from '@hookline/contracts';
import { EgressClient } from '@hookline/egress';
import { startNatsServer, type NatsServerHandle } from '@hookline/local-stack';
import { createTestDatabase, sharedPostgresUrl, tempDir, type TestDatabase } from '@hookline/testing';
import { AppModule } from './app.module';
import { signerConfigSpec } from './config';
import { fetchClientCredentialsToken, TokenEndpointError } from './oauth2/client-credentials';
import { replyProblems } from './signing/request-validator';

// ESM-only packages; the compiler would turn import() into require().
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
type OAuth2Mock = typeof import('oauth2-mock-server', { with: { 'resolution-mode': 'import' } });
type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });
type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });

const adminUrl = sharedPostgresUrl();

describe('signer over NATS and PostgreSQL', { skip: !adminUrl && 'HOOKLINE_TEST_PG_URL is not set (run through npm test)' }, () => {
  const dir = tempDir('signer');
  let nats: NatsServerHandle;
  let app: INestApplicationContext;
  let nc: NatsConnection;
  let database: TestDatabase;
  let db: Client;
  let oauth: InstanceType<OAuth2Mock['OAuth2Server']>;
  const tokenRequests: IncomingMessage[] = [];
  let env: Record<string, string>;

  async function call<S extends RpcSubject>(subject: S, request: RpcRequestOf<S> | Record<string, unknown>): Promise<RpcReply<RpcResultOf<S>>> {
    const m = await nc.request(subject, JSON.stringify(request), { timeout: 10_000 });
    const reply = JSON.parse(m.string()) as RpcReply<RpcResultOf<S>>;
    assert.equal(replyProblems(subject, reply), undefined, `reply breaks its schema: ${m.string()}`);
    return reply;
  }
  async function ok<S extends RpcSubject>(subject: S, request: RpcRequestOf<S>): Promise<RpcResultOf<S>> {
    const r = await call(subject, request);
    assert.ok(r.ok, `expected success: ${JSON.stringify(r)}`);
    return r.result;
  }
  async function refused<S extends RpcSubject>(subject: S, request: RpcRequestOf<S> | Record<string, unknown>, code: string) {
    const r = await call(subject, request);
    assert.ok(!r.ok, `expected ${code}: ${JSON.stringify(r)}`);
    assert.equal(r.error.code, code, JSON.stringify(r.error));
    return r.error;
  }
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const now = () => Math.floor(Date.now() / 1000);

  before(async () => {
    nats = await startNatsServer({ storeDir: `${dir.path}/nats` });
    database = await createTestDatabase('signer');
    const databaseUrl = database.url;
    db = new Client({ connectionString: databaseUrl });
    await db.connect();

    const { OAuth2Server } = await importEsm<OAuth2Mock>('oauth2-mock-server');
    oauth = new OAuth2Server();
    await oauth.issuer.keys.generate('RS256');
    await oauth.start(0, '127.0.0.1');
    // Its default issuer URL names "localhost", which also means ::1 (not allowlisted here).
    oauth.issuer.url = `http://127.0.0.1:${oauth.address().port}`;
    oauth.service.on('beforeResponse', (_res: unknown, req: IncomingMessage) => {
      if (req.url?.startsWith('/token')) tokenRequests.push(req);
    });

    env = {
      HOOKLINE_NATS_URL: nats.url,
      HOOKLINE_DATABASE_URL: databaseUrl,
      HOOKLINE_DATABASE_POOL_SIZE: '4',
      HOOKLINE_LISTEN_PORT: '0',
      HOOKLINE_LOG_LEVEL: 'silent',
      HOOKLINE_OPERATOR_TOKEN: `op_${randomBytes(24).toString('base64url')}`,
      HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      // Tests reach their OAuth2 server on loopback; production leaves this empty.
      HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8',
      HOOKLINE_EGRESS_DEADLINE: '3s',
    };
    app = await NestFactory.createApplicationContext(AppModule.forRoot(loadConfig(signerConfigSpec, env)), { logger: false });
    nc = await connect({ servers: nats.url });
  });

  after(async () => {
    await nc?.close();
    await app?.close();
    await db?.end();
    await database?.drop();
    await oauth?.stop();
    await nats?.stop();
    dir.remove();
  });

  it('refuses to start without HOOKLINE_ENCRYPTION_KEY', () => {
    const { HOOKLINE_ENCRYPTION_KEY: _omitted, ...rest } = env;
    assert.throws(() => loadConfig(signerConfigSpec, rest), (e: unknown) => e instanceof ConfigError && /HOOKLINE_ENCRYPTION_KEY is required/.test(e.message));
    assert.throws(() => loadConfig(signerConfigSpec, { ...rest, HOOKLINE_ENCRYPTION_KEY: 'too-short' }), ConfigError);
  });

  it('websub: a generated secret, shown once, signs X-Hub-Signature as GitHub verifies it', async () => {
    const created = await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'rcv-websub', spec: { scheme: 'websub', algorithm: 'sha256' } });
    assert.equal(created.version, 1);
    const secret = created.secret ?? assert.fail('no secret returned');
    const body = '{"topic":"Accounts.Update","data":{"name":"Jörg"}}';
    const signed = await ok(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'rcv-websub', scheme: 'websub', deliveryId: 'd-1', timestamp: now(), body: b64(body) });
    const { verify } = await importEsm<Octokit>('@octokit/webhooks-methods');
    assert.equal(await verify(secret, body, signed.headers['X-Hub-Signature']), true);
    assert.deepEqual(signed.versions, [1]);
    // The describe view never includes it.
    const described = await ok(SIGNER_SUBJECTS.describeCredential, { tenantId: 'acme', credentialId: 'rcv-websub' });
    assert.deepEqual(described.params, { algorithm: 'sha256' });
    assert.ok(!JSON.stringify(described).includes(secret));
  });

  it('secrets are sealed at rest: no row holds one in any encoding', async () => {
    const secret = 'whsec_' + randomBytes(32).toString('base64');
    await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'rcv-rest', spec: { scheme: 'standard-webhooks', secret } });
    await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'rcv-oauth-rest', spec: { scheme: 'oauth2', tokenUrl: 'https://auth.example/token', clientId: 'cid', clientSecret: 'client-secret-value-123' } });
    const dump = (await db.query(`SELECT row_to_json(c)::text AS row FROM delivery_credentials c`)).rows.map((r: { row: string }) => r.row).join('\n');
    const raw = Buffer.from(secret.slice('whsec_'.length), 'base64');
    for (const needle of [secret, secret.slice(6), raw.toString('hex'), raw.toString('base64url'), 'client-secret-value-123', b64('client-secret-value-123')]) {
      assert.ok(!dump.includes(needle), `found a secret at rest: ${needle}`);
    }
    assert.match(dump, /"sealed_secret":"v1\./);
  });

  it('standard webhooks: rotation with an overlap signs with both, then only the new one', async () => {
    const oldSecret = 'whsec_' + randomBytes(32).toString('base64');
    await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'rcv-sw', spec: { scheme: 'standard-webhooks', secret: oldSecret } });
    const body = '{"hello":"world"}';
    const sign = async () => (await ok(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'rcv-sw', scheme: 'standard-webhooks', deliveryId: 'del-42', timestamp: now(), body: b64(body) })).headers;
    const verifies = (secret: string, headers: Record<string, string>) => {
      try {
        new Webhook(secret).verify(body, headers);
        return true;
      } catch {
        return false;
      }
    };
    const before = await sign();
    assert.equal(before['webhook-id'], 'del-42');
    assert.equal(verifies(oldSecret, before), true);

    const rotated = await ok(SIGNER_SUBJECTS.rotateCredential, { tenantId: 'acme', credentialId: 'rcv-sw', overlapSeconds: 3600 });
    const newSecret = rotated.secret ?? assert.fail('no new secret');
    assert.equal(rotated.version, 2);
    assert.ok(rotated.previousValidUntil && Date.parse(rotated.previousValidUntil) > Date.now() + 3500_000);
    const during = await sign();
    assert.equal(during['webhook-signature'].split(' ').length, 2);
    assert.equal(verifies(oldSecret, during), true, 'the old secret still verifies during the overlap');
    assert.equal(verifies(newSecret, during), true, 'the new secret verifies at once');

    // A rotation without overlap ends both earlier versions now.
    const third = await ok(SIGNER_SUBJECTS.rotateCredential, { tenantId: 'acme', credentialId: 'rcv-sw', overlapSeconds: 0 });
    const after3 = await sign();
    assert.equal(verifies(third.secret ?? '', after3), true);
    assert.equal(verifies(newSecret, after3), false);
    assert.equal(verifies(oldSecret, after3), false);
    const described = await ok(SIGNER_SUBJECTS.describeCredential, { tenantId: 'acme', credentialId: 'rcv-sw' });
    assert.deepEqual(described.versions.map((v) => v.version), [3]);
  });

  it('websub rotation keeps the old secret signing until the overlap ends', async () => {
    const c = await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'rcv-ws-rot', spec: { scheme: 'websub', algorithm: 'sha256', secret: 'old-websub-secret-0123456789' } });
    assert.equal(c.secret, 'old-websub-secret-0123456789');
    await ok(SIGNER_SUBJECTS.rotateCredential, { tenantId: 'acme', credentialId: 'rcv-ws-rot', overlapSeconds: 600 });
    const s = await ok(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'rcv-ws-rot', scheme: 'websub', deliveryId: 'd', timestamp: now(), body: b64('x') });
    const { verify } = await importEsm<Octokit>('@octokit/webhooks-methods');
    assert.equal(await verify('old-websub-secret-0123456789', 'x', s.headers['X-Hub-Signature']), true);
    assert.deepEqual(s.versions, [1]);
  });

  it('create is idempotent with the same key and a conflict otherwise', async () => {
    const req = { tenantId: 'acme', credentialId: 'rcv-idem', spec: { scheme: 'standard-webhooks' as const }, idempotencyKey: 'k-1' };
    const first = await ok(SIGNER_SUBJECTS.createCredential, req);
    const again = await ok(SIGNER_SUBJECTS.createCredential, req);
    assert.deepEqual(again, first);
    await refused(SIGNER_SUBJECTS.createCredential, { ...req, idempotencyKey: 'k-2' }, 'conflict');
    await refused(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'rcv-idem', spec: { scheme: 'standard-webhooks' } }, 'conflict');
    // Still a conflict once rotations have removed version 1.
    await ok(SIGNER_SUBJECTS.rotateCredential, { tenantId: 'acme', credentialId: 'rcv-idem', overlapSeconds: 0 });
    await ok(SIGNER_SUBJECTS.rotateCredential, { tenantId: 'acme', credentialId: 'rcv-idem', overlapSeconds: 0 });
    await refused(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'rcv-idem', spec: { scheme: 'standard-webhooks' } }, 'conflict');
    const described = await ok(SIGNER_SUBJECTS.describeCredential, { tenantId: 'acme', credentialId: 'rcv-idem' });
    assert.deepEqual(described.versions.map((v) => v.version), [3]);
  });

  it('rotations at the same moment each get a version of their own, with and without an overlap', async () => {
    for (const [credentialId, overlapSeconds] of [['rcv-race-0', 0], ['rcv-race-600', 600]] as const) {
      await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId, spec: { scheme: 'standard-webhooks' } });
      const replies = await Promise.all(Array.from({ length: 6 }, () => call(SIGNER_SUBJECTS.rotateCredential, { tenantId: 'acme', credentialId, overlapSeconds })));
      const refusedOnes = replies.filter((r) => !r.ok);
      assert.deepEqual(refusedOnes, [], `${credentialId}: every rotation succeeds`);
      const versions = replies.map((r) => (r.ok ? r.result.version : 0)).sort((a, z) => a - z);
      assert.deepEqual(versions, [2, 3, 4, 5, 6, 7], `${credentialId}: one version each`);
      const described = await ok(SIGNER_SUBJECTS.describeCredential, { tenantId: 'acme', credentialId });
      assert.equal(described.versions[0].version, 7, `${credentialId}: the last rotation is current`);
      if (overlapSeconds === 0) assert.deepEqual(described.versions.map((v) => v.version), [7]);
    }
  });

  it('push notifications: the JWT goes verbatim into Authorization, no Bearer', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzbyJ9.c2lnbmF0dXJl';
    await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'push', spec: { scheme: 'token-header', header: 'Authorization', prefix: '', token: jwt } });
    const s = await ok(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'push', scheme: 'token-header', deliveryId: 'd', timestamp: now() });
    assert.deepEqual(s.headers, { Authorization: jwt });
    await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'ci-headers', spec: { scheme: 'static-headers', headers: { 'X-Api-Key': 'k-1', 'X-Tenant': 't' } } });
    const h = await ok(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'ci-headers', scheme: 'static-headers', deliveryId: 'd', timestamp: now() });
    assert.deepEqual(h.headers, { 'X-Api-Key': 'k-1', 'X-Tenant': 't' });
  });

  it('custom integrations: the verification hash as payload fields, the salt never in an answer or the table', async () => {
    const salt = 'integration-salt-Zq8';
    await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'integration:i1:verification', spec: { scheme: 'verification-hash', salt } });
    const s = await ok(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'integration:i1:verification', scheme: 'verification-hash', deliveryId: 'd', timestamp: 1767225600 });
    assert.deepEqual(s.headers, {});
    // Independently: python3 -c "import hashlib; print(hashlib.md5(b'1767225600integration-salt-Zq8').hexdigest())"
    assert.deepEqual(s.fields, { timestamp: '1767225600', verification: createHash('md5').update(`1767225600${salt}`).digest('hex') });
    const d = await ok(SIGNER_SUBJECTS.describeCredential, { tenantId: 'acme', credentialId: 'integration:i1:verification' });
    assert.ok(!JSON.stringify(d).includes(salt));
    const rows = await db.query(`SELECT t::text AS row FROM delivery_credentials t WHERE credential_id = 'integration:i1:verification'`);
    assert.ok(rows.rows.length === 1 && !String(rows.rows[0].row).includes(salt), 'the salt is sealed');
    // A new salt applies at once (no overlap: receivers hold one salt).
    await ok(SIGNER_SUBJECTS.rotateCredential, { tenantId: 'acme', credentialId: 'integration:i1:verification', spec: { scheme: 'verification-hash', salt: 'second-salt' } });
    const s2 = await ok(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'integration:i1:verification', scheme: 'verification-hash', deliveryId: 'd', timestamp: 1767225600 });
    assert.equal(s2.fields?.verification, createHash('md5').update('1767225600second-salt').digest('hex'));
  });

  it('refusals are replies with a code, never a hang or a crash', async () => {
    await refused(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'nope', scheme: 'websub', deliveryId: 'd', timestamp: now(), body: '' }, 'not-found');
    await refused(SIGNER_SUBJECTS.sign, { tenantId: 'other', credentialId: 'rcv-websub', scheme: 'websub', deliveryId: 'd', timestamp: now(), body: '' }, 'not-found');
    await refused(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'rcv-websub', scheme: 'standard-webhooks', deliveryId: 'd', timestamp: now(), body: '' }, 'scheme-mismatch');
    await refused(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'rcv-websub', scheme: 'websub', deliveryId: 'd', timestamp: now() }, 'invalid-request');
    const e = await refused(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'rcv-websub', scheme: 'websub', timestamp: 'soon' }, 'invalid-request');
    assert.match(e.message, /deliveryId|timestamp/);
    await refused(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'bad', spec: { scheme: 'static-headers', headers: { Host: 'x' } } }, 'invalid-request');
    await refused(SIGNER_SUBJECTS.rotateCredential, { tenantId: 'acme', credentialId: 'push', spec: { scheme: 'websub', algorithm: 'sha1' } }, 'conflict');
    const raw = await nc.request(SIGNER_SUBJECTS.sign, 'not json', { timeout: 5000 });
    assert.equal((JSON.parse(raw.string()) as RpcReply<unknown> & { ok: false }).error.code, 'invalid-request');
  });

  it('a batch answers each request as sign would, in order, one refusal not failing the others', async () => {
    const ts = now();
    const good = { tenantId: 'acme', credentialId: 'rcv-websub', scheme: 'websub' as const, deliveryId: 'd-b1', timestamp: ts, body: b64('{"a":1}') };
    const single = await ok(SIGNER_SUBJECTS.sign, good);
    const batch = await ok(SIGNER_SUBJECTS.signBatch, {
      requests: [
        good,
        { tenantId: 'acme', credentialId: 'nope', scheme: 'websub', deliveryId: 'd-b2', timestamp: ts, body: '' },
        { tenantId: 'acme', credentialId: 'rcv-websub', scheme: 'websub', deliveryId: 'd-b3', timestamp: 'soon' } as never,
        { ...good, deliveryId: 'd-b4', body: b64('{"a":2}') },
      ],
    });
    assert.equal(batch.replies.length, 4);
    for (const r of batch.replies) assert.equal(replyProblems(SIGNER_SUBJECTS.sign, r), undefined, `an item breaks the sign reply schema: ${JSON.stringify(r)}`);
    assert.deepEqual(batch.replies[0], { ok: true, result: single });
    assert.deepEqual(batch.replies.map((r) => (r.ok ? 'ok' : r.error.code)), ['ok', 'not-found', 'invalid-request', 'ok']);
    assert.notDeepEqual(batch.replies[3], batch.replies[0], 'each item is signed over its own body');
    await refused(SIGNER_SUBJECTS.signBatch, { requests: [] }, 'invalid-request');
  });

  it('body-secret: a field path through __proto__ is refused, and the signer process is left as it was', async () => {
    const value = `client-secret-${randomBytes(12).toString('hex')}`;
    await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'inst-secret', spec: { scheme: 'body-secret', value } });
    const sign = (field: string, body: string) => call(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'inst-secret', scheme: 'body-secret', deliveryId: 'd-bs', timestamp: now(), field, body: b64(body) });
    // The signer runs in this process: a secret written into Object.prototype would show here.
    const r = await sign('__proto__.toLocaleString', '{"client_secret":"[redacted]"}');
    assert.equal(typeof Object.prototype.toLocaleString, 'function', 'the secret was written into Object.prototype');
    assert.ok(!r.ok && r.error.code === 'invalid-request', JSON.stringify(r));
    assert.ok(!JSON.stringify(r).includes(value));
    const filled = await sign('client_secret', '{"client_secret":"[redacted]"}');
    assert.ok(filled.ok);
    assert.deepEqual(JSON.parse(Buffer.from(filled.result.body ?? '', 'base64').toString('utf8')), { client_secret: value });
  });

  it('standard webhooks: the library verifies an empty, a unicode and a large body; a delivery id with "." is an invalid request', async () => {
    const secret = 'whsec_' + randomBytes(32).toString('base64');
    await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'rcv-sw-edges', spec: { scheme: 'standard-webhooks', secret } });
    const sign = (deliveryId: string, body: Buffer) => call(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'rcv-sw-edges', scheme: 'standard-webhooks', deliveryId, timestamp: now(), body: body.toString('base64') });
    const bodies = [Buffer.alloc(0), Buffer.from('{"name":"Zoë ✓ 日本 🎉","nul":"\\u0000"}', 'utf8'), Buffer.from(JSON.stringify({ blob: 'x'.repeat(600_000) }), 'utf8')];
    for (const body of bodies) {
      const r = await sign('msg_2Yx', body);
      assert.ok(r.ok, JSON.stringify(r));
      assert.doesNotThrow(() => new Webhook(secret).verify(body.toString('utf8'), r.result.headers), `${body.length} bytes`);
    }
    // "a.b" would sign "a.b.<ts>.<body>", which "a" with a timestamp "b.<ts>" also reads as.
    const dotted = await sign('a.b', Buffer.from('{}'));
    assert.ok(!dotted.ok && dotted.error.code === 'invalid-request', JSON.stringify(dotted));
  });

  it('revoke destroys the credential and signing stops at once', async () => {
    await ok(SIGNER_SUBJECTS.createCredential, { tenantId: 'acme', credentialId: 'rcv-gone', spec: { scheme: 'websub', algorithm: 'sha1' } });
    await ok(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'rcv-gone', scheme: 'websub', deliveryId: 'd', timestamp: now(), body: '' });
    assert.deepEqual(await ok(SIGNER_SUBJECTS.revokeCredential, { tenantId: 'acme', credentialId: 'rcv-gone' }), { revoked: true });
    await refused(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: 'rcv-gone', scheme: 'websub', deliveryId: 'd', timestamp: now(), body: '' }, 'not-found');
    assert.equal((await db.query(`SELECT count(*)::int AS n FROM delivery_credentials WHERE credential_id = 'rcv-gone'`)).rows[0].n, 0);
  });

  describe('OAuth2 client credentials', () => {
    const cred = (id: string, clientSecret = 'oauth-client-secret') => ({
      tenantId: 'acme',
      credentialId: id,
      spec: { scheme: 'oauth2' as const, tokenUrl: `${oauth.issuer.url}/token`, clientId: 'hookline-client', clientSecret, scope: 'webhooks:receive', audience: 'https://receiver.example' },
    });
    const sign = (id: string, forceRefresh = false) =>
      call(SIGNER_SUBJECTS.sign, { tenantId: 'acme', credentialId: id, scheme: 'oauth2', deliveryId: 'd', timestamp: now(), ...(forceRefresh ? { forceRefresh } : {}) });

    it('fetches one token for many concurrent deliveries, and the receiver can verify it', async () => {
      await ok(SIGNER_SUBJECTS.createCredential, cred('rcv-oauth'));
      tokenRequests.length = 0;
      const replies = await Promise.all(Array.from({ length: 25 }, () => sign('rcv-oauth')));
      const auths = new Set(replies.map((r) => (r.ok ? r.result.headers.Authorization : JSON.stringify(r))));
      assert.equal(auths.size, 1, [...auths].join('\n'));
      assert.equal(tokenRequests.length, 1);
      const auth = [...auths][0];
      assert.match(auth, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      // What the token endpoint got: the grant, scope and audience, the client in Basic auth.
      const req = tokenRequests[0] as IncomingMessage & { body: Record<string, string> };
      assert.equal(req.body.grant_type, 'client_credentials');
      assert.equal(req.body.scope, 'webhooks:receive');
      assert.equal(req.body.audience, 'https://receiver.example');
      assert.equal(Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString(), 'hookline-client:oauth-client-secret');
      const { createRemoteJWKSet, jwtVerify } = await importEsm<Jose>('jose');
      const jwks = createRemoteJWKSet(new URL(`${oauth.issuer.url}/jwks`));
      const { payload } = await jwtVerify(auth.slice('Bearer '.length), jwks, { issuer: oauth.issuer.url });
      assert.equal(payload.scope, 'webhooks:receive');
      // Cached: later deliveries reuse it.
      await sign('rcv-oauth');
      assert.equal(tokenRequests.length, 1);
    });

    it('forceRefresh (after a 401) fetches a new token once', async () => {
      await new Promise((r) => setTimeout(r, 2100)); // a refresh right after a fetch reuses it
      const before = tokenRequests.length;
      const first = await sign('rcv-oauth');
      const refreshed = await Promise.all([sign('rcv-oauth', true), sign('rcv-oauth', true), sign('rcv-oauth', true)]);
      assert.equal(tokenRequests.length, before + 1);
      const tokens = new Set(refreshed.map((r) => (r.ok ? r.result.headers.Authorization : 'error')));
      assert.equal(tokens.size, 1);
      assert.ok(first.ok && !tokens.has(first.result.headers.Authorization), 'a new token replaced the refused one');
    });

    it("reports the token endpoint's refusal", async () => {
      await ok(SIGNER_SUBJECTS.createCredential, cred('rcv-oauth-bad'));
      oauth.service.once('beforeResponse', (res: { statusCode: number; body: unknown }) => {
        res.statusCode = 401;
        res.body = { error: 'invalid_client', error_description: 'unknown client' };
      });
      const r = await sign('rcv-oauth-bad');
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'token-endpoint');
      assert.equal(r.error.errorClass, 'http-status');
      assert.match(r.error.message, /HTTP 401: invalid_client \(unknown client\)/);
      assert.ok(!r.error.message.includes('oauth-client-secret'));
    });

    it('token URLs pass the SSRF guard', async () => {
      for (const tokenUrl of ['http://169.254.169.254/token', 'http://[::ffff:169.254.169.254]/token', 'http://10.0.0.1/token']) {
        const id = `rcv-ssrf-${tokenRequests.length}-${Math.random().toString(36).slice(2, 6)}`;
        await ok(SIGNER_SUBJECTS.createCredential, { ...cred(id), spec: { ...cred(id).spec, tokenUrl } });
        const r = await sign(id);
        assert.ok(!r.ok);
        assert.equal(r.error.code, 'token-endpoint');
        assert.equal(r.error.errorClass, 'ssrf-blocked', r.error.message);
      }
      // Without the loopback allowlist even this test's own token server is out of reach.
      const before = tokenRequests.length;
      const closed = new EgressClient();
      try {
        await assert.rejects(
          fetchClientCredentialsToken(closed, { tokenUrl: `${oauth.issuer.url}/token`, clientId: 'c', clientSecret: 's' }, 'test'),
          (e: unknown) => e instanceof TokenEndpointError && e.errorClass === 'ssrf-blocked',
        );
      } finally {
        await closed.destroy();
      }
      assert.equal(tokenRequests.length, before);
    });
  });
});
