import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeActor, InvalidChangeError, parseRegistryChange, redactSecrets, registryChangeSubject } from './registry';

describe('registry changes', () => {
  it('subjects are hookline.registry.<tenant>.<entity>.<action>', () => assert.equal(registryChangeSubject('acme', 'account', 'credentials-reset'), 'hookline.registry.acme.account.credentials-reset'));

  it('describe their actor', () => {
    assert.equal(describeActor({ kind: 'operator' }), 'operator');
    assert.equal(describeActor({ kind: 'account', accountId: 'a1', accountName: 'robot' }), 'account robot (a1)');
    assert.equal(describeActor({ kind: 'user', userId: 'u1', userName: 'Bob', accountId: 'a1', accountName: 'robot' }), 'user Bob (u1) through account robot (a1)');
    assert.equal(describeActor({ kind: 'user', userId: 'u1', accountId: 'a1' }), 'user u1 through account a1');
  });

  it('redacts secret-looking values at any depth, and nothing else', () => {
    const input = { name: 'x', token: 't', nested: { totpSecret: 's', tokenHash: 'h', list: [{ password: 'p', ok: 1 }] }, credentialsIssuedAt: 'd', tokenId: 'id' };
    assert.deepEqual(redactSecrets(input), {
      name: 'x',
      token: '[redacted]',
      nested: { totpSecret: '[redacted]', tokenHash: '[redacted]', list: [{ password: '[redacted]', ok: 1 }] },
      credentialsIssuedAt: 'd',
      tokenId: 'id',
    });
  });

  it('keeps keys named __proto__, constructor and prototype as data, and touches no prototype', () => {
    const input = JSON.parse('{"example":{"__proto__":{"polluted":true,"token":"t"},"constructor":"ACME","prototype":[1],"kept":1}}');
    const out = redactSecrets(input);
    assert.equal(JSON.stringify(out), '{"example":{"__proto__":{"polluted":true,"token":"[redacted]"},"constructor":"ACME","prototype":[1],"kept":1}}');
    assert.equal(Object.getPrototypeOf(out.example), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.notEqual(out.example, input.example);
  });

  it('walks a value nested far deeper than any stack (iterative)', () => {
    const depth = 100_000;
    const deep = JSON.parse(`${'{"a":'.repeat(depth)}{"secret":"s"}${'}'.repeat(depth)}`);
    let cur = redactSecrets(deep) as Record<string, unknown>;
    for (let i = 0; i < depth; i++) cur = cur.a as Record<string, unknown>;
    assert.deepEqual(cur, { secret: '[redacted]' });
    assert.deepEqual(redactSecrets([[1, [2, { password: 'p' }]], null, 'x']), [[1, [2, { password: '[redacted]' }]], null, 'x']);
    assert.equal(redactSecrets('plain'), 'plain');
    assert.equal(redactSecrets(null), null);
  });

  it('parses what the registry publishes and rejects the rest', () => {
    const ok = { id: 'i', tenantId: 't', entity: 'unit', entityId: 'u', action: 'created', actor: { kind: 'operator' }, at: new Date().toISOString(), before: null, after: {} };
    assert.deepEqual(parseRegistryChange(ok), ok);
    for (const bad of [null, [], { ...ok, entity: 'planet' }, { ...ok, action: 'exploded' }, { ...ok, actor: {} }, { ...ok, at: 'soon' }, { ...ok, before: 'x' }, { ...ok, id: '' }]) {
      assert.throws(() => parseRegistryChange(bad), InvalidChangeError);
    }
  });
});
