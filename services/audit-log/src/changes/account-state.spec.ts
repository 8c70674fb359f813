import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accountStateFrom, honours } from './account-state';

const g = (units: '*' | string[]) => [{ actions: ['logs:read'], units, topics: '*' as const }];

describe('account state from the change history', () => {
  const created = { action: 'created', after: { enabled: true, grants: g('*'), credentialsIssuedAt: '2026-01-01T00:00:10.000Z' } };
  const t = (iso: string) => ({ issuedAt: Date.parse(iso) / 1000 });

  it('knows nothing of an account it has no changes for: the token stands', () => {
    assert.equal(accountStateFrom([]), undefined);
    assert.equal(honours(undefined, { issuedAt: 0 }), true);
  });
  it('follows enable, disable, grants and delete', () => {
    const disabled = accountStateFrom([created, { action: 'updated', after: { enabled: false, grants: g(['north']), credentialsIssuedAt: '2026-01-01T00:00:10.000Z' } }]);
    assert.deepEqual(disabled, { deleted: false, enabled: false, grants: g(['north']), credentialsIssuedAt: Date.parse('2026-01-01T00:00:10.000Z') });
    assert.equal(honours(disabled, t('2026-01-01T00:01:00Z')), false);
    assert.equal(honours(accountStateFrom([created, { action: 'deleted', after: null }]), t('2026-01-01T00:01:00Z')), false);
    assert.equal(honours(accountStateFrom([created]), t('2026-01-01T00:01:00Z')), true);
  });
  it('a credential reset ends tokens issued before it', () => {
    const reset = accountStateFrom([created, { action: 'credentials-reset', after: { credentialsIssuedAt: '2026-01-01T00:05:00.000Z' } }]);
    assert.equal(honours(reset, t('2026-01-01T00:04:59Z')), false);
    assert.equal(honours(reset, t('2026-01-01T00:05:00Z')), true);
  });
  it('a token that names its credentials (cia) is ended by a reset in the same second', () => {
    const reset = accountStateFrom([created, { action: 'credentials-reset', after: { credentialsIssuedAt: '2026-01-01T00:05:00.400Z' } }]);
    const issuedAt = Date.parse('2026-01-01T00:05:00Z') / 1000;
    assert.equal(honours(reset, { issuedAt, credentialsIssuedAt: Date.parse('2026-01-01T00:00:10.000Z') }), false, 'the credentials before the reset');
    assert.equal(honours(reset, { issuedAt }), true, 'without cia the second is all a token says');
    assert.equal(honours(reset, { issuedAt, credentialsIssuedAt: Date.parse('2026-01-01T00:05:00.400Z') }), true, 'the current credentials');
  });
});
