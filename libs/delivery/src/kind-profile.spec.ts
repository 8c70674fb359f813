import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadDeliveryKinds } from './delivery-kinds.module';
import { DeliveryKinds, UnknownDeliveryKindError, type DeliveryKindProfile } from './kind-profile';
import { PLATFORM_KINDS } from './kinds/platform-kinds';

const profile = (kind: string): DeliveryKindProfile => ({ kind, targetNoun: 'thing', resolve: () => ({ cancel: 'x' }), resend: { action: 'receivers:write', topicScoped: false } });

describe('DeliveryKinds', () => {
  it('looks kinds up by name and refuses an unknown one by name', () => {
    const kinds = new DeliveryKinds([profile('a'), profile('b')]);
    assert.equal(kinds.get('b').kind, 'b');
    assert.deepEqual(kinds.names(), ['a', 'b']);
    assert.throws(() => kinds.get('c'), (e: unknown) => e instanceof UnknownDeliveryKindError && /"c"/.test(e.message));
  });
  it('refuses a kind registered twice', () => {
    assert.throws(() => new DeliveryKinds([profile('a'), profile('a')]), /registered twice/);
  });
});

describe('loadDeliveryKinds', () => {
  it('has the platform kinds, and adds those of configured modules', () => {
    const platform = PLATFORM_KINDS.map((k) => k.kind);
    assert.deepEqual(loadDeliveryKinds([]).names(), platform);
    assert.ok(['webhook', 'push', 'hookup', 'hookup-email', 'integration'].every((k) => platform.includes(k)));
    const kinds = loadDeliveryKinds(['/x/extra.js'], () => ({ deliveryKinds: [profile('extra')] }));
    assert.deepEqual(kinds.names(), [...platform, 'extra']);
  });
  it('refuses a module without profiles, a bad kind name, or a platform kind again', () => {
    assert.throws(() => loadDeliveryKinds(['/x/m.js'], () => ({})), /exports no deliveryKinds/);
    assert.throws(() => loadDeliveryKinds(['/x/m.js'], () => ({ deliveryKinds: [profile('Bad Kind')] })), /kind name must match/);
    assert.throws(() => loadDeliveryKinds(['/x/m.js'], () => ({ deliveryKinds: [{ kind: 'y' }] })), /needs resolve/);
    assert.throws(() => loadDeliveryKinds(['/x/m.js'], () => ({ deliveryKinds: [profile('webhook')] })), /registered twice/);
  });
});
