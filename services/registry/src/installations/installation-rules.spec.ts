import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OAuthClientSettings } from '@hookline/contracts';
import { departmentsForUser, oauthSettingsProblems } from './installation-rules';

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
