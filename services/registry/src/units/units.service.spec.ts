import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ForbiddenError } from '@hookline/http';
import type { Principal } from '@hookline/auth';
import { childPath, isCycle, rebasePath, UnitsService } from './units.service';

describe('unit tree rules', () => {
  it('a child path extends its parent path', () => {
    assert.deepEqual(childPath(undefined, 'root'), ['root']);
    assert.deepEqual(childPath(['a', 'b'], 'c'), ['a', 'b', 'c']);
  });
  it('a unit cannot move below itself or its descendants', () => {
    assert.equal(isCycle('b', ['a', 'b', 'c']), true);
    assert.equal(isCycle('b', ['b']), true);
    assert.equal(isCycle('x', ['a', 'b']), false);
  });
  it('descendants follow their moved subtree root', () => {
    // b moves from a/b to z/b: a/b/c/d becomes z/b/c/d.
    assert.deepEqual(rebasePath(['a', 'b', 'c', 'd'], ['a', 'b'], ['z', 'b']), ['z', 'b', 'c', 'd']);
    assert.deepEqual(rebasePath(['a', 'b', 'c'], ['a', 'b'], ['b']), ['b', 'c']);
  });
});

describe('UnitsService', () => {
  it('needs a tenant-wide units:write to create a root unit', async () => {
    const p: Principal = { kind: 'account', tenantId: 't', accountId: 'a', grants: [{ actions: ['units:write'], units: ['north'], topics: '*' }], tokenId: 'j', issuedAt: 0, expiresAt: 0 };
    const tx = { em: {}, now: new Date(), record: async () => undefined };
    const service = new UnitsService(
      { lockTree: async () => undefined, insertIfAbsent: async () => assert.fail('must not insert') } as never,
      { find: async () => ({ id: 't' }) } as never,
      { transaction: async (work: (t: typeof tx) => unknown) => work(tx) } as never,
    );
    await assert.rejects(service.create(p, { id: 'south', name: 'South' }), ForbiddenError);
  });
});
