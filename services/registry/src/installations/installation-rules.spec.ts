import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OAuthClientSettings } from '@hookline/contracts';
import { departmentsForUser, emailAddressProblems, oauthSettingsProblems } from './installation-rules';

const base: OAuthClientSettings = { grantType: 'authorization_code', clientType: 'confidential', redirectUris: ['https://app.example/cb'], algorithm: 'RS256', scopes: ['openid'] };

describe('OAuth client settings', () => {
  const cases: [string, Partial<OAuthClientSettings>, string[]][] = [
    ['a confidential authorization-code client with OpenID', {}, []],
    ['a public client with PKCE and RS256', { clientType: 'public' }, []],
    ['a machine client', { grantType: 'client_credentials', redirectUris: [], scopes: ['appointments:read'], algorithm: null }, []],
    ['client_credentials for a public client', { grantType: 'client_credentials', clientType: 'public', scopes: [], algorithm: null }, ['oauth.clientType']],
    ['authorization_code without a redirect URI', { redirectUris: [] }, ['oauth.redirectUris']],
    ['HS256 for a public client', { clientType: 'public', algorithm: 'HS256' }, ['oauth.algorithm']],
    ['openid without an algorithm', { algorithm: null }, ['oauth.algorithm']],
    ['openid with client_credentials', { grantType: 'client_credentials' }, ['oauth.scopes']],
    ['no OpenID, no algorithm', { algorithm: null, scopes: ['profile:read'] }, []],
    ['a redirect URI with a fragment (the provider would refuse the client)', { redirectUris: ['https://app.example/cb#done'] }, ['oauth.redirectUris']],
    ['a redirect URI with a query is fine', { redirectUris: ['https://app.example/cb?from=hookline'] }, []],
  ];
  for (const [name, over, fields] of cases) {
    it(name, () => assert.deepEqual(oauthSettingsProblems({ ...base, ...over }).map((p) => p.field), fields));
  }
});

describe('a signed-in user\'s departments', () => {
  const paths: Record<string, string[]> = { north: ['north'], oslo: ['north', 'oslo'], south: ['south'] };
  const pathOf = (u: string) => paths[u];
  const cases: [string, string[], '*' | string[], string[]][] = [
    ['a user of the whole tenant gets them all', ['oslo', 'south'], '*', ['oslo', 'south']],
    ['a unit covers those below it', ['oslo', 'south'], ['north'], ['oslo']],
    ['a unit below does not cover the one above', ['north'], ['oslo'], []],
    ['no overlap, nothing', ['south'], ['north'], []],
  ];
  for (const [name, inst, user, expected] of cases) it(name, () => assert.deepEqual(departmentsForUser(inst, user, pathOf), expected));
});

describe('an e-mail channel\'s address', () => {
  const fine = ['integrations@lab.example', 'o\'neil+hookline@lab.example', 'a{b}|c=d/e@lab.example', 'ærø@exämple.example'];
  for (const a of fine) it(`takes ${a}`, () => assert.deepEqual(emailAddressProblems(a), []));
  const refused: [string, string][] = [
    ['a percent sign (a mailto: URL is decoded: x%40evil.example%2Cy@… would mail x@evil.example too)', 'x%40evil.example%2Cy@example.com'],
    ['a question mark (ends a mailto: address)', 'a?b@example.com'],
    ['a quoted local part with a line break (nodemailer folds it: another mailbox)', '"a\r\nb"@example.com'],
    ['a quoted local part with a comma', '"a,b"@example.com'],
    ['a control character', 'a\u0000b@example.com'],
  ];
  for (const [name, a] of refused) it(`refuses ${name}`, () => assert.deepEqual(emailAddressProblems(a).map((p) => p.field), ['channel.address']));
});
