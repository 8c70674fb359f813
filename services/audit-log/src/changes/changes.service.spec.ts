import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '@hookline/auth';
import { ForbiddenError } from '@hookline/http';
import { ChangesService, changeView, parseActor } from './changes.service';
import type { StoredChange } from './entities/stored-change.entity';

const account = (units: '*' | string[]): Principal => ({
  kind: 'account',
  tenantId: 'acme',
  accountId: 'a',
  grants: [{ actions: ['logs:read'], units, topics: '*' }],
  tokenId: 'j',
  issuedAt: 0,
  expiresAt: 0,
});

describe('ChangesService', () => {
  it('parses actor filters', () => {
    assert.deepEqual(parseActor('operator'), { kind: 'operator' });
    assert.deepEqual(parseActor('account:abc'), { kind: 'account', id: 'abc' });
    assert.deepEqual(parseActor('user:u:1'), { kind: 'user', id: 'u:1' });
    assert.equal(parseActor(undefined), undefined);
  });

  it('says who in words', () => {
    const c = { id: 'i', tenantId: 't', entity: 'unit', entityId: 'u', action: 'created', at: new Date(0), before: null, after: {}, detail: null } as unknown as StoredChange;
    c.actor = { kind: 'user', userId: 'bob', userName: 'Bob', accountId: 'a1', accountName: 'robot' };
    assert.equal(changeView(c).by, 'user Bob (bob) through account robot (a1)');
  });

  it('needs logs:read on the whole tenant, and stays in the own tenant', async () => {
    let asked: string | undefined;
    const service = new ChangesService({ list: async (tenantId: string) => ((asked = tenantId), []) } as never);
    await assert.rejects(service.list(account(['north']), {}), ForbiddenError);
    await assert.rejects(service.list(account('*'), { tenant: 'globex' }), (e: unknown) => (e as { status: number }).status === 404);
    assert.deepEqual(await service.list(account('*'), {}), { data: [], nextCursor: null });
    assert.equal(asked, 'acme');
  });
});
