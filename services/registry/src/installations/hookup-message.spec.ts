import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { InstallationView } from '@hookline/contracts';
import { hookupEmail, hookupMessage, notificationFact } from './hookup-message';

// The seed's schema (installation-hookup.txt), kept verbatim beside the end-to-end tests.
const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'e2e', 'fixtures', 'installation-hookup.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

const now = '2026-01-01T00:00:00.000Z';
const urls = { issuer: 'https://h.example/oidc', tokenUrl: 'https://h.example/oidc/token', authorizeUrl: 'https://h.example/oidc/auth', discoveryUrl: 'https://h.example/oidc/.well-known/openid-configuration' };
const inst = (over: Partial<InstallationView> = {}): InstallationView => ({
  id: 'i1', tenant: 'clinic', provetId: 42, templateId: 't1', templateVersion: 3, templateName: 'Portal', templateOwner: 'platform:catalogue', clientId: 'i1',
  oauth: { grantType: 'authorization_code', clientType: 'confidential', redirectUris: ['https://a.example/cb', 'https://a.example/cb2'], algorithm: 'HS256', scopes: ['openid', 'x:read'] },
  channel: { kind: 'hookup-url', url: 'https://provider.example/hookup' }, departments: [{ unit: 'north', id: 3 }, { unit: 'south', id: 9 }],
  status: 'active', secretVersion: 1, uninstalledAt: null, createdAt: now, updatedAt: now, ...over,
});

describe('the hookup message', () => {
  it('has the seed\'s fields, the secret only as a placeholder the signer fills in', () => {
    const m = hookupMessage(inst(), urls);
    assert.ok(validate(m), JSON.stringify(validate.errors));
    assert.deepEqual(m, {
      provet_id: 42, client_id: 'i1', client_secret: '[redacted]', algorithm: 'HS256', authorization_grant_type: 'authorization_code', client_type: 'confidential',
      redirect_uris: 'https://a.example/cb https://a.example/cb2', token_url: urls.tokenUrl, authorize_url: urls.authorizeUrl, openid_autodiscovery_url: urls.discoveryUrl, departments: [3, 9],
    });
  });
  it('a public client without OpenID: no secret, no discovery URL, no algorithm', () => {
    const m = hookupMessage(inst({ oauth: { grantType: 'client_credentials', clientType: 'public', redirectUris: [], algorithm: null, scopes: [] } }), urls);
    assert.ok(validate(m));
    assert.equal(m.client_secret, null);
    assert.equal(m.openid_autodiscovery_url, null);
    assert.equal(m.algorithm, null);
    assert.equal(m.redirect_uris, '');
  });
  it('says which department was added or removed', () => {
    const added = hookupMessage(inst(), urls, { added: 9 });
    assert.ok(validate(added));
    assert.equal(added.added_department, 9);
    assert.equal('removed_department' in added, false);
    assert.equal(hookupMessage(inst(), urls, { removed: 4 }).removed_department, 4);
  });
  it('the e-mail carries the same message', () => {
    const e = hookupEmail(hookupMessage(inst(), urls), inst(), 'department-added');
    assert.equal(e.subject, 'Portal was enabled for a department (tenant 42)');
    assert.ok(validate(e.fields));
  });
  it('each notification is one delivery: its id follows from the installation and its number', () => {
    const a = notificationFact(inst(), urls, { number: 1, event: 'installed', at: now, by: 'operator' });
    assert.equal(a.deliveryId, notificationFact(inst(), urls, { number: 1, event: 'installed', at: now, by: 'operator' }).deliveryId);
    assert.notEqual(a.deliveryId, notificationFact(inst(), urls, { number: 2, event: 'installed', at: now, by: 'operator' }).deliveryId);
    assert.equal(a.kind, 'hookup');
    assert.equal(a.target, 'i1');
    assert.equal(a.url, 'https://provider.example/hookup');
    const mail = notificationFact(inst({ channel: { kind: 'email', address: 'ops@provider.example' } }), urls, { number: 1, event: 'installed', at: now, by: 'operator' });
    assert.equal(mail.kind, 'hookup-email');
    assert.equal(mail.url, 'mailto:ops@provider.example');
    assert.equal(JSON.parse(mail.body).fields.client_secret, '[redacted]');
  });
});
