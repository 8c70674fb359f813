import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '@hookline/config';
import { egressConfig, egressOptionsFrom } from './egress.config';

describe('egressConfig', () => {
  it('defaults to no allowlist and safe limits', () => {
    const c = loadConfig(egressConfig, {});
    assert.deepEqual(egressOptionsFrom(c), { allowlist: [], connectTimeoutMs: 5000, deadlineMs: 15_000, maxResponseBytes: 65_536, connectionsPerOrigin: 64 });
  });
  it('reads a CIDR list', () => {
    const c = loadConfig(egressConfig, { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8, ::1/128', HOOKLINE_EGRESS_DEADLINE: '2s' });
    assert.deepEqual(c.egressAllowlist, ['127.0.0.0/8', '::1/128']);
    assert.equal(c.egressDeadlineMs, 2000);
  });
  it('refuses a malformed range, naming it', () => {
    assert.throws(() => loadConfig(egressConfig, { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/40' }), (e: unknown) => e instanceof ConfigError && /HOOKLINE_EGRESS_ALLOWLIST/.test(e.message));
  });
});
