import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES, resourceDef, unwrap, withId } from './resources';

describe('the console resource table', () => {
  it('gives records without an id field one (topics by name, push types by type, log entries by listener and sequence)', () => {
    assert.equal(withId(resourceDef('topics'), { name: 'Orders.Paid' }).id, 'Orders.Paid');
    assert.equal(withId(resourceDef('push-types'), { type: 'appointment.booked' }).id, 'appointment.booked');
    assert.equal(withId(resourceDef('listener-logs'), { listenerId: 'l-1', seq: 7 }).id, 'l-1:7');
    assert.equal(withId(resourceDef('receivers'), { id: 'r-1' }).id, 'r-1');
  });

  it("splits a wrapped answer into the record and what is shown once", () => {
    assert.deepEqual(unwrap(resourceDef('receivers'), { receiver: { id: 'r' }, secret: 's' }), { record: { id: 'r' }, extras: { secret: 's' } });
    assert.deepEqual(unwrap(resourceDef('accounts'), { account: { id: 'a' }, credentials: { token: 't' } }), { record: { id: 'a' }, extras: { credentials: { token: 't' } } });
    assert.deepEqual(unwrap(resourceDef('receivers'), { receiver: { id: 'r' } }), { record: { id: 'r' }, extras: undefined }, 'a PATCH without a new secret');
    assert.deepEqual(unwrap(resourceDef('receivers'), { id: 'r', name: 'plain' }), { record: { id: 'r', name: 'plain' } }, 'GET and DELETE answer the receiver itself');
    assert.deepEqual(unwrap(resourceDef('units'), { id: 'u' }), { record: { id: 'u' } });
  });

  it('every resource names an API path under /v1/', () => {
    for (const [name, def] of Object.entries(RESOURCES)) assert.match(def.path, /^\/v1\//, name);
    assert.throws(() => resourceDef('nope'), /unknown resource nope/);
  });
});
