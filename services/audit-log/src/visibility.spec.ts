import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Grant } from '@hookline/contracts';
import type { Principal } from '@hookline/auth';
import { ForbiddenError } from '@hookline/http';
import { visibilityOf } from './visibility';

const account = (grants: Grant[]): Principal => ({ kind: 'account', tenantId: 'acme', accountId: 'a', grants, tokenId: 'j', issuedAt: 0, expiresAt: 0 });

describe('visibilityOf (which events a principal may read)', () => {
  it('the operator and a tenant-wide, all-topics grant see everything', () => {
    assert.equal(visibilityOf({ kind: 'operator' }), '*');
    assert.equal(visibilityOf(account([{ actions: ['logs:read'], units: '*', topics: '*' }])), '*');
  });
  it('one clause per logs:read grant, topics as anchored patterns', () => {
    assert.deepEqual(
      visibilityOf(
        account([
          { actions: ['logs:read'], units: ['north'], topics: ['Accounts.*'] },
          { actions: ['events:publish'], units: '*', topics: '*' },
          { actions: ['logs:read'], units: '*', topics: ['Visits.>'] },
        ]),
      ),
      [
        { units: ['north'], topicRegexes: ['^Accounts\\.[^.]+$'] },
        { units: '*', topicRegexes: ['^Visits\\..+$'] },
      ],
    );
  });
  it('without logs:read: 403', () => assert.throws(() => visibilityOf(account([{ actions: ['events:publish'], units: '*', topics: '*' }])), ForbiddenError));
});
