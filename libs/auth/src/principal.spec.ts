import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tokenPredatesCredentials } from './principal';

describe('tokenPredatesCredentials', () => {
  const reset = Date.parse('2026-01-01T00:05:00.400Z');
  const sameSecond = Date.parse('2026-01-01T00:05:00Z') / 1000;
  it('a token naming older credentials (cia) predates a reset, also within its second', () => {
    assert.equal(tokenPredatesCredentials({ issuedAt: sameSecond, credentialsIssuedAt: reset - 1 }, reset), true);
    assert.equal(tokenPredatesCredentials({ issuedAt: sameSecond, credentialsIssuedAt: reset }, reset), false);
  });
  it('a token without cia is judged by its second: the reset\'s own second still counts as after it', () => {
    assert.equal(tokenPredatesCredentials({ issuedAt: sameSecond - 1 }, reset), true);
    assert.equal(tokenPredatesCredentials({ issuedAt: sameSecond }, reset), false);
  });
});
