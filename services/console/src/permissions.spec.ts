import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS as SERVER_ACTIONS } from '@hookline/auth';
import { ACTIONS, can, rightsOn, SCREENS, type Permissions } from './permissions';

const account = (...grants: { actions: string[]; units: '*' | string[] }[]): Permissions => ({ kind: 'account', grants });

describe('console permissions', () => {
  it('knows the same actions as the API', () => {
    assert.deepEqual([...ACTIONS], [...SERVER_ACTIONS]);
  });

  const cases: { name: string; perms: Permissions | undefined; screen: keyof typeof SCREENS; read: boolean; write: boolean }[] = [
    { name: 'the operator may do everything', perms: { kind: 'operator' }, screen: 'receivers', read: true, write: true },
    { name: 'the operator alone sees tenants', perms: account({ actions: ['accounts:write'], units: '*' }), screen: 'tenants', read: false, write: false },
    { name: 'receivers:read on the whole tenant: read, not write', perms: account({ actions: ['receivers:read'], units: '*' }), screen: 'receivers', read: true, write: false },
    { name: 'receivers:write implies read', perms: account({ actions: ['receivers:write'], units: '*' }), screen: 'receivers', read: true, write: true },
    { name: 'receivers on some units only: receivers are tenant-wide, so nothing', perms: account({ actions: ['receivers:write'], units: ['oslo'] }), screen: 'receivers', read: false, write: false },
    { name: 'units on some units: read and write there', perms: account({ actions: ['units:write'], units: ['oslo'] }), screen: 'units', read: true, write: true },
    { name: 'logs:read on a unit: deliveries yes, the change history no', perms: account({ actions: ['logs:read'], units: ['oslo'] }), screen: 'audit-changes', read: false, write: false },
    { name: 'logs:read on a unit: the delivery log', perms: account({ actions: ['logs:read'], units: ['oslo'] }), screen: 'deliveries', read: true, write: false },
    { name: 'grants spread over several entries count together', perms: account({ actions: ['push:read'], units: '*' }, { actions: ['push:write'], units: '*' }), screen: 'push-types', read: true, write: true },
    { name: 'signed out: nothing', perms: undefined, screen: 'units', read: false, write: false },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(rightsOn(c.perms, c.screen), { read: c.read, write: c.write }));
  }

  it('can() with and without the whole tenant', () => {
    const p = account({ actions: ['push:write'], units: ['north'] });
    assert.equal(can(p, 'push:write'), true);
    assert.equal(can(p, 'push:write', { wholeTenant: true }), false);
    assert.equal(can(p, 'push:read'), true);
    assert.equal(can(p, 'units:read'), false);
  });
});
