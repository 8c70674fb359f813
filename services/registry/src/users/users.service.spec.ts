import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '@hookline/auth';
import { coversUser, grantsCoverUser } from './users.service';

const paths = new Map([
  ['north', ['north']],
  ['north-a', ['north', 'north-a']],
  ['south', ['south']],
]);
const account = (units: '*' | string[]): Principal => ({
  kind: 'account',
  tenantId: 't',
  accountId: 'a',
  grants: [{ actions: ['users:write'], units, topics: '*' }],
  tokenId: 'j',
  issuedAt: 0,
  expiresAt: 0,
});

describe('coversUser', () => {
  const table: [string, '*' | string[], '*' | string[], 'all' | 'any', boolean][] = [
    ['a whole-tenant grant covers a user who sees everything', '*', '*', 'all', true],
    ['a unit grant does not', ['north'], '*', 'all', false],
    ['a unit grant covers a user inside it', ['north'], ['north-a'], 'all', true],
    ['writing needs every unit of the user', ['north'], ['north-a', 'south'], 'all', false],
    ['seeing needs one of them', ['north'], ['north-a', 'south'], 'any', true],
    ['a user without units belongs to the tenant as a whole', ['north'], [], 'any', false],
    ['a unit the registry does not know is just itself', ['ghost'], ['ghost'], 'all', true],
  ];
  for (const [name, grant, user, mode, ok] of table) it(name, () => assert.equal(coversUser(account(grant), 'users:write', user, paths, mode), ok));
  it('write implies read', () => assert.equal(coversUser(account(['north']), 'users:read', ['north-a'], paths, 'any'), true));
  it('the operator covers everyone', () => assert.equal(coversUser({ kind: 'operator' }, 'users:write', '*', paths, 'all'), true));
});

describe('grantsCoverUser', () => {
  it('is coversUser for grants alone: an impersonation token is checked against its account’s', () => {
    const grants = [{ actions: ['users:impersonate'], units: ['north'], topics: '*' as const }];
    assert.equal(grantsCoverUser(grants, 'users:impersonate', ['north-a'], paths, 'all'), true);
    assert.equal(grantsCoverUser(grants, 'users:impersonate', ['north-a', 'south'], paths, 'all'), false);
    assert.equal(grantsCoverUser(grants, 'users:impersonate', '*', paths, 'all'), false);
    assert.equal(grantsCoverUser([], 'users:impersonate', ['north-a'], paths, 'all'), false);
  });
});
