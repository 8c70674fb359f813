// The OpenID provider's storage against a real PostgreSQL: the adapter oidc-provider calls
// (ids kept only as hashes, payloads sealed, consume, expiry, lookups by uid and grant,
// an uninstalled client's rows gone at once) and the signing keys (sealed, rotated with
// the old key published until its tokens are dead).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDataSource, sharedPostgresUrl, type TestDataSource } from '@hookline/testing';
import type { RegistryConfig } from '../config';
import { ensureFreshKeys, keySetOf } from './oidc-keys';
import { OidcKeysRepository } from './oidc-keys.repository';
import { idHash, OidcStore } from './oidc-store';
import { OidcStoreRepository } from './oidc-store.repository';

const adminUrl = sharedPostgresUrl();

describe('OpenID provider storage', { skip: !adminUrl && 'HOOKLINE_TEST_PG_URL is not set (run through npm test)' }, () => {
  let db: TestDataSource;
  let ds: DataSource;
  let store: OidcStore;
  const encryptionKey = randomBytes(32);

  before(async () => {
    db = await createTestDataSource('oidc', { poolSize: 4, entities: [] });
    ds = db.dataSource;
    store = new OidcStore(new OidcStoreRepository(ds), { encryptionKey } as RegistryConfig);
  });
  after(async () => {
    await db?.drop();
  });

  it('keeps ids only as hashes and payloads only sealed; finds, consumes, expires and deletes like the adapter interface says', async () => {
    const Adapter = store.adapterClass();
    const codes = new Adapter('AuthorizationCode');
    const code = 'a-code-that-is-itself-a-credential-4711';
    await codes.upsert(code, { jti: code, clientId: 'c1', grantId: 'g1', accountId: 'ada' }, 60);
    assert.deepEqual(await codes.find(code), { jti: code, clientId: 'c1', grantId: 'g1', accountId: 'ada' });
    const rows: { id_hash: string; payload_sealed: string; client_id: string }[] = await ds.query('SELECT * FROM oidc_payloads');
    assert.equal(rows[0].id_hash, idHash(code));
    assert.ok(!JSON.stringify(rows).includes(code), 'the code is nowhere in the row');
    assert.equal(rows[0].client_id, 'c1');
    await codes.consume(code);
    assert.equal(typeof (await codes.find(code))?.consumed, 'number');

    const sessions = new Adapter('Session');
    await sessions.upsert('cookie-value-1', { jti: 'cookie-value-1', uid: 'u1', accountId: 'ada' }, 60);
    assert.equal((await sessions.findByUid('u1'))?.jti, 'cookie-value-1');
    await sessions.destroy('cookie-value-1');
    assert.equal(await sessions.find('cookie-value-1'), undefined);

    await codes.upsert('short-lived-code', { jti: 'short-lived-code', clientId: 'c1' }, 1);
    await ds.query(`UPDATE oidc_payloads SET expires_at = now() - interval '1 second' WHERE id_hash = $1`, [idHash('short-lived-code')]);
    assert.equal(await codes.find('short-lived-code'), undefined, 'an expired row is not found');

    await new Adapter('Grant').upsert('g2', { jti: 'g2', clientId: 'c2' }, 60);
    await codes.upsert('code-of-g2', { jti: 'code-of-g2', clientId: 'c2', grantId: 'g2' }, 60);
    await codes.revokeByGrantId('g2');
    assert.equal(await codes.find('code-of-g2'), undefined);

    await store.put('Client', 'c1', { client_id: 'c1', client_secret: 'the-client-secret-0815-xyz' }, undefined);
    assert.ok(!JSON.stringify(await ds.query('SELECT * FROM oidc_payloads')).includes('the-client-secret'), 'a client secret is sealed');
    assert.equal((await new Adapter('Client').find('c1'))?.client_secret, 'the-client-secret-0815-xyz');
    await store.deleteClient('c1');
    assert.equal(await new Adapter('Client').find('c1'), undefined);
    assert.equal(await codes.find(code), undefined, 'the client\'s codes go with it');
  });

  it('signing keys: made sealed, rotated after the period, the old one published until its tokens are dead', async () => {
    const repo = new OidcKeysRepository(ds);
    const t0 = new Date();
    const first = await ensureFreshKeys(repo, { encryptionKey, rotationMs: 60_000, keepPublishedMs: 3_600_000, now: t0 });
    assert.equal(first.rotated, true);
    assert.equal((await ensureFreshKeys(repo, { encryptionKey, rotationMs: 60_000, keepPublishedMs: 3_600_000, now: t0 })).rotated, false);
    const raw = JSON.stringify(await ds.query('SELECT * FROM oidc_signing_keys'));
    const set1 = keySetOf(first.rows, encryptionKey);
    assert.ok(typeof set1.privateJwks[0].d === 'string' && !raw.includes(set1.privateJwks[0].d as string), 'the private key is sealed at rest');
    assert.equal(set1.publicJwks[0].d, undefined, 'the published half has no private part');

    const later = new Date(t0.getTime() + 61_000);
    const second = await ensureFreshKeys(repo, { encryptionKey, rotationMs: 60_000, keepPublishedMs: 3_600_000, now: later });
    assert.equal(second.rotated, true);
    const set2 = keySetOf(second.rows, encryptionKey);
    assert.equal(set2.publicJwks.length, 2, 'the old key stays published');
    assert.notEqual(set2.publicJwks[0].kid, set1.publicJwks[0].kid, 'the new key signs');
    assert.equal(set2.publicJwks[1].kid, set1.publicJwks[0].kid);
    assert.notEqual(set2.fingerprint, set1.fingerprint);
    await ds.query(`UPDATE oidc_signing_keys SET retired_at = now() - interval '1 second' WHERE kid = $1`, [set1.publicJwks[0].kid]);
    assert.equal(keySetOf(await repo.published(), encryptionKey).publicJwks.length, 1, 'and leaves once its tokens are dead');
  });
});
