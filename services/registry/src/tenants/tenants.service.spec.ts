import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ForbiddenError } from '@hookline/http';
import type { Principal } from '@hookline/auth';
import { TenantsService } from './tenants.service';

describe('TenantsService', () => {
  const service = new TenantsService({} as never, {} as never);
  const account: Principal = { kind: 'account', tenantId: 'acme', accountId: 'a', grants: [{ actions: ['accounts:write'], units: '*', topics: '*' }], tokenId: 'j', issuedAt: 0, expiresAt: 0 };
  it('is operator work only, whatever an account holds', async () => {
    await assert.rejects(service.create(account, { id: 'x', name: 'x' }), ForbiddenError);
    await assert.rejects(service.list(account, {}), ForbiddenError);
    await assert.rejects(service.get(account, 'acme'), ForbiddenError);
    await assert.rejects(service.update(account, 'acme', { name: 'x' }), ForbiddenError);
  });
});
