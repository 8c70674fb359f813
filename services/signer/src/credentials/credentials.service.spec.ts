// The credential cache against a revocation or rotation that lands while a database read
// is in flight: the read started before the change must not put the old secret back in
// the cache. The repository is a stand-in whose reads the test releases by hand.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { seal } from '@hookline/auth';
import type { SignerConfig } from '../config';
import { CredentialNotFoundError, CredentialsService } from './credentials.service';
import type { CredentialsRepository } from './credentials.repository';
import type { DeliveryCredential } from './entities/delivery-credential.entity';

const key = randomBytes(32);
const config = { encryptionKey: key, credentialCacheMs: 60_000 } as unknown as SignerConfig;

function row(version: number, secret: string): DeliveryCredential {
  return {
    tenantId: 't1',
    credentialId: 'c1',
    version,
    scheme: 'websub',
    params: { algorithm: 'sha256' },
    sealedSecret: seal(key, secret, `delivery-credential:t1:c1:${version}`),
    createdAt: new Date(),
    validUntil: null,
    idempotencyKey: null,
  } as DeliveryCredential;
}

/** A repository whose reads answer only when the test says, with what the table holds then. */
function slowRepo() {
  let table: DeliveryCredential[] = [];
  const waiting: (() => void)[] = [];
  let reads = 0;
  const repo = {
    versions: async () => {
      reads++;
      const seen = table;
      await new Promise<void>((r) => waiting.push(r));
      return seen;
    },
  } as unknown as CredentialsRepository;
  return {
    repo,
    set: (rows: DeliveryCredential[]) => (table = rows),
    release: () => waiting.splice(0).forEach((r) => r()),
    get reads() {
      return reads;
    },
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('credential cache and changes during a read', () => {
  it('a revocation during a read is not undone by that read: the next request reads again', async () => {
    const db = slowRepo();
    const service = new CredentialsService(db.repo, config);
    db.set([row(1, 'old-secret-0123456789')]);
    const before = service.material('t1', 'c1');
    await tick();
    // Revoked while the read above is on its way (its snapshot still has the row).
    db.set([]);
    service.forget('t1', 'c1');
    db.release();
    assert.equal((await before).versions[0].secret, 'old-secret-0123456789');
    const after = service.material('t1', 'c1');
    await tick();
    db.release();
    await assert.rejects(after, CredentialNotFoundError);
    assert.equal(db.reads, 2);
  });

  it('a request after a rotation does not join a read that started before it', async () => {
    const db = slowRepo();
    const service = new CredentialsService(db.repo, config);
    db.set([row(1, 'old-secret-0123456789')]);
    const before = service.material('t1', 'c1');
    await tick();
    db.set([row(2, 'new-secret-0123456789')]);
    service.forget('t1', 'c1');
    const after = service.material('t1', 'c1');
    await tick();
    db.release();
    await before;
    assert.equal((await after).versions[0].secret, 'new-secret-0123456789');
    // And the cache holds the new one.
    assert.equal((await service.material('t1', 'c1')).versions[0].secret, 'new-secret-0123456789');
  });

  it('reads once for many requests, and serves the cache afterwards', async () => {
    const db = slowRepo();
    const service = new CredentialsService(db.repo, config);
    db.set([row(1, 'one-secret-0123456789')]);
    const all = Promise.all([service.material('t1', 'c1'), service.material('t1', 'c1'), service.material('t1', 'c1')]);
    await tick();
    db.release();
    assert.deepEqual((await all).map((m) => m.versions[0].version), [1, 1, 1]);
    await service.material('t1', 'c1');
    assert.equal(db.reads, 1);
  });
});
