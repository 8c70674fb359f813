import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OAuthError } from './oauth-error';
import { GRANT_TYPE_TOKEN_EXCHANGE, parseTokenExchange, TOKEN_TYPE_ACCESS_TOKEN } from './token-exchange';

const ok = { grant_type: GRANT_TYPE_TOKEN_EXCHANGE, subject_token: 'jwt', subject_token_type: TOKEN_TYPE_ACCESS_TOKEN, requested_subject: 'bob' };

describe('parseTokenExchange', () => {
  it('takes the RFC 8693 parameters', () => assert.deepEqual(parseTokenExchange(ok), { subjectToken: 'jwt', requestedSubject: 'bob' }));
  it('accepts the optional ones', () => assert.ok(parseTokenExchange({ ...ok, requested_token_type: TOKEN_TYPE_ACCESS_TOKEN, audience: 'hookline', scope: 'x' })));
  const table: [string, Record<string, unknown>, string][] = [
    ['another grant type', { ...ok, grant_type: 'password' }, 'unsupported_grant_type'],
    ['no grant type', { ...ok, grant_type: undefined }, 'invalid_request'],
    ['no subject token', { ...ok, subject_token: undefined }, 'invalid_request'],
    ['an empty subject token', { ...ok, subject_token: '' }, 'invalid_request'],
    ['a subject token that is not a string', { ...ok, subject_token: ['a', 'b'] }, 'invalid_request'],
    ['another subject token type', { ...ok, subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' }, 'invalid_request'],
    ['a refresh token requested', { ...ok, requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }, 'invalid_request'],
    ['an actor token', { ...ok, actor_token: 'x', actor_token_type: TOKEN_TYPE_ACCESS_TOKEN }, 'invalid_request'],
    ['no requested subject', { ...ok, requested_subject: undefined }, 'invalid_request'],
    ['an unknown parameter', { ...ok, password: 'x' }, 'invalid_request'],
  ];
  for (const [name, body, error] of table) {
    it(`refuses ${name} with ${error}`, () => {
      const clean = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
      assert.throws(
        () => parseTokenExchange(clean),
        (e: unknown) => e instanceof OAuthError && e.toProblem().error === error && e.status === 400,
      );
    });
  }
  it('refuses a body that is not parameters', () => assert.throws(() => parseTokenExchange('x'), OAuthError));
});
