import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tokenOfCurrentCredentials } from './principal-refresher';

describe('tokenOfCurrentCredentials', () => {
  const account = { credentialsIssuedAt: new Date(1_765_000_000_600) };
  const table: [string, { issuedAt: number; credentialsIssuedAt?: number }, boolean][] = [
    ['a token of these credentials', { issuedAt: 1_765_000_000, credentialsIssuedAt: 1_765_000_000_600 }, true],
    ['a token of the credentials a reset replaced in the same second', { issuedAt: 1_765_000_000, credentialsIssuedAt: 1_765_000_000_100 }, false],
    ['a token of credentials replaced long ago, however late it was issued', { issuedAt: 1_765_000_100, credentialsIssuedAt: 1_764_000_000_000 }, false],
    ['an older token without the claim, from the second of the reset on', { issuedAt: 1_765_000_000 }, true],
    ['an older token without the claim, from before the reset', { issuedAt: 1_764_999_999 }, false],
  ];
  for (const [name, token, ok] of table) it(name, () => assert.equal(tokenOfCurrentCredentials(token, account), ok));
});
