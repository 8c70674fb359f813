import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { idempotentJobId } from './integration-use.service';
import { isHttpUrl, objectIdsProblem } from './integrations.service';

describe('integration inputs', () => {
  it('takes as a URL only what the WHATWG parser takes, with http or https', () => {
    const table: [string, boolean][] = [
      ['https://crm.example.com/1234/client/?a=1', true],
      ['http://127.0.0.1:8080/x', true],
      // Both pass class-validator's isURL; no request could be made to either.
      ['http://xn--a.com/', false],
      ['http://[fe80::1%eth0]/x', false],
      ['ftp://crm.example.com/', false],
      ['javascript:alert(1)', false],
      ['crm.example.com/x', false],
    ];
    for (const [url, ok] of table) assert.equal(isHttpUrl(url), ok, url);
  });

  it('refuses several object ids for a page that sends one', () => {
    assert.equal(objectIdsProblem('client', undefined, 'objectId'), undefined);
    assert.equal(objectIdsProblem('client', ['1'], 'objectId'), undefined);
    assert.equal(objectIdsProblem('reminders', ['1', '2', '3'], 'objectIds'), undefined);
    assert.equal(objectIdsProblem('client', ['1', '2'], 'objectIds')?.field, 'objectIds');
  });

  it('derives one job from one click, and another from any other', () => {
    const actor = { kind: 'user', userId: 'bob', accountId: 'a1' };
    const one = idempotentJobId('acme', actor, 'i1', ['1'], 'k');
    assert.equal(idempotentJobId('acme', { ...actor }, 'i1', ['1'], 'k'), one, 'a retried POST is the same job');
    for (const other of [
      idempotentJobId('acme', actor, 'i2', ['1'], 'k'),
      idempotentJobId('acme', actor, 'i1', ['2'], 'k'),
      idempotentJobId('acme', actor, 'i1', ['1', '2'], 'k'),
      idempotentJobId('acme', actor, 'i1', ['1'], 'k2'),
      idempotentJobId('acme', { ...actor, userId: 'carol' }, 'i1', ['1'], 'k'),
      idempotentJobId('other', actor, 'i1', ['1'], 'k'),
    ]) {
      assert.notEqual(other, one);
    }
  });
});
