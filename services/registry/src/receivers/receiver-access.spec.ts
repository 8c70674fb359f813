import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '@hookline/auth';
import { canSeeReceiver, topicsNotWritable } from './receiver-access';

const account = (grants: { actions: string[]; units: '*' | string[]; topics: '*' | string[] }[]): Principal =>
  ({ kind: 'account', tenantId: 't', accountId: 'a', grants }) as unknown as Principal;

describe('receiver access', () => {
  it('the operator may do anything', () => {
    assert.deepEqual(topicsNotWritable({ kind: 'operator' }, ['A.b', '>']), []);
    assert.ok(canSeeReceiver({ kind: 'operator' }, ['X']));
  });
  it('write needs a tenant-wide grant covering every topic', () => {
    const p = account([{ actions: ['receivers:write'], units: '*', topics: ['Accounts.*'] }]);
    assert.deepEqual(topicsNotWritable(p, ['Accounts.Update', 'Accounts.*', 'Visits.Done', 'Accounts.>']), ['Visits.Done', 'Accounts.>']);
  });
  it('a unit-limited grant does not cover tenant-wide receivers', () => {
    const p = account([{ actions: ['receivers:write'], units: ['north'], topics: '*' }]);
    assert.deepEqual(topicsNotWritable(p, ['A.b']), ['A.b']);
    assert.ok(!canSeeReceiver(p, ['A.b']));
  });
  it('write implies read; read needs one covered topic', () => {
    const p = account([{ actions: ['receivers:write'], units: '*', topics: ['Accounts.*'] }]);
    assert.ok(canSeeReceiver(p, ['Visits.Done', 'Accounts.Update']));
    assert.ok(!canSeeReceiver(p, ['Visits.Done']));
  });
});
