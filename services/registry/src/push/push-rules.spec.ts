import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePushFlag } from '@hookline/contracts';
import { flagsOf, globalOnlyProblems, serverUrlCredentialsProblem } from './push-rules';

describe('push system parameters are global only', () => {
  it('names each parameter that was given for a unit, and the unit', () => {
    const p = globalOnlyProblems({ notification_days_before: 3 }, 'north');
    assert.deepEqual(p.map((x) => x.field), ['notification_days_before', 'unit']);
    assert.match(p[0].message, /only be set globally.*north/);
  });
  it('names all three when none was given', () => {
    assert.deepEqual(globalOnlyProblems({}, 'north').map((x) => x.field), ['notification_server_url', 'notification_jwt', 'notification_days_before', 'unit']);
  });
  it('never echoes a value (a JWT must not end up in an error)', () => {
    const p = globalOnlyProblems({ notification_jwt: 'eyJ.secret.jwt' }, 'north');
    assert.ok(!JSON.stringify(p).includes('eyJ.secret.jwt'));
  });
});

describe('a notification_server_url carries no credentials', () => {
  it('refuses a user name, a password or both, without echoing them', () => {
    for (const url of ['https://user:s3cret@notify.example.com/push', 'https://user@notify.example.com/push', 'https://:s3cret@notify.example.com/push']) {
      const p = serverUrlCredentialsProblem(url);
      assert.equal(p?.field, 'notification_server_url', url);
      assert.ok(!JSON.stringify(p).includes('s3cret'), url);
    }
  });
  it('lets a plain URL through (and leaves a non-URL to the URL checks)', () => {
    assert.equal(serverUrlCredentialsProblem('https://notify.example.com/push?key=a@b'), undefined);
    assert.equal(serverUrlCredentialsProblem('not a url'), undefined);
  });
});

describe('flags as rows to the resolution rule', () => {
  const rows = [
    { type: 'a', unit: null, enabled: true },
    { type: 'a', unit: 'north', enabled: false },
    { type: 'b', unit: 'north', enabled: true },
  ];
  it('picks the type and splits global from units', () => {
    const f = flagsOf('a', rows);
    assert.equal(f.global, true);
    assert.deepEqual([...f.units], [['north', false]]);
    assert.equal(flagsOf('b', rows).global, undefined);
  });
  it('resolves through the unit path', () => {
    assert.deepEqual(resolvePushFlag(flagsOf('a', rows), ['north', 'oslo']), { enabled: false, source: { kind: 'unit', unit: 'north', inherited: true } });
    assert.deepEqual(resolvePushFlag(flagsOf('a', rows), ['south']), { enabled: true, source: { kind: 'global' } });
  });
});
