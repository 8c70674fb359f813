// Values the database and the ingest stream already hold were made with createHash: a
// listener token's stored digest, a tenant's schema name and a record's ingest subject must
// come out the same with the one-shot hash() used now.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { listenerSubjects, tenantSchema, tokenDigest } from './listeners';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('listener digests', () => {
  const samples = ['hlt_abc', '', 'ünïcødé ✓', 'x'.repeat(300), '0196f3a2-7c1e-7d2a-9b3c-1a2b3c4d5e6f'];

  it('a token digest is the SHA-256 hex of the token', () => {
    for (const s of samples) assert.equal(tokenDigest(s), sha256(s));
  });

  it('a tenant schema is named by the tenant id, shortened past 63 bytes with 8 hex digits of its digest', () => {
    assert.equal(tenantSchema('acme'), 'tenant_acme');
    for (const s of ['x'.repeat(300), 'ü'.repeat(40)]) assert.equal(tenantSchema(s), `tenant_${s.slice(0, 46)}_${sha256(s).slice(0, 8)}`);
  });

  it("a record's ingest subject ends with 32 hex digits of its key's digest", () => {
    for (const s of samples) assert.equal(listenerSubjects.ingest('t1', 'l1', s), `hookline.ingest.t1.l1.${sha256(s).slice(0, 32)}`);
  });
});
