// A service refuses to start on bad configuration and lists every bad variable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SERVICE_NAMES } from '@hookline/contracts';
import { REPO_ROOT, serviceEntry } from '@hookline/local-stack';

describe('configuration', () => {
  for (const name of SERVICE_NAMES) {
    it(`${name} refuses to start and lists every bad variable`, () => {
      const r = spawnSync(process.execPath, ['-r', '@swc-node/register', serviceEntry(name)], {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          HOOKLINE_NATS_URL: 'http://not-nats',
          HOOKLINE_DATABASE_URL: 'mysql://x',
          HOOKLINE_LISTEN_PORT: '70000',
          HOOKLINE_OPERATOR_TOKEN: 'short',
          HOOKLINE_LOG_LEVEL: 'loud',
        },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.status, 78, r.stderr);
      for (const v of ['HOOKLINE_NATS_URL', 'HOOKLINE_DATABASE_URL', 'HOOKLINE_LISTEN_PORT', 'HOOKLINE_OPERATOR_TOKEN', 'HOOKLINE_LOG_LEVEL']) {
        assert.match(r.stderr, new RegExp(v), `${v} not named`);
      }
      assert.doesNotMatch(r.stderr, /"short"/, 'a secret value is echoed');
    });
  }
});

describe('the encryption key', () => {
  // The services that keep secrets at rest (TOTP secrets and signing keys; delivery credentials).
  for (const name of ['registry', 'signer'] as const) {
    const run = (key: string | undefined) =>
      spawnSync(process.execPath, ['-r', '@swc-node/register', serviceEntry(name)], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOOKLINE_LISTEN_PORT: '0', HOOKLINE_OPERATOR_TOKEN: 'x'.repeat(32), ...(key !== undefined ? { HOOKLINE_ENCRYPTION_KEY: key } : {}) },
        encoding: 'utf8',
        timeout: 30_000,
      });

    it(`${name} refuses to start without HOOKLINE_ENCRYPTION_KEY`, () => {
      const r = run(undefined);
      assert.equal(r.status, 78, r.stderr);
      assert.match(r.stderr, /HOOKLINE_ENCRYPTION_KEY is required/);
    });

    it(`${name} refuses a key that is not 32 bytes, without echoing it`, () => {
      const r = run('c2hvcnQta2V5LXNob3J0LWtleQ==');
      assert.equal(r.status, 78, r.stderr);
      assert.match(r.stderr, /HOOKLINE_ENCRYPTION_KEY: must be 32 bytes/);
      assert.doesNotMatch(r.stderr, /c2hvcnQta2V5/);
    });
  }
});
