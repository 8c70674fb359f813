import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { natsWork, parseVarz } from './nats-varz';

describe('parseVarz', () => {
  it('reads the message counters', () => assert.deepEqual(parseVarz({ in_msgs: 12, out_msgs: 30, gomaxprocs: 1 }), { inMsgs: 12, outMsgs: 30 }));
  it('refuses an answer without them', () => {
    assert.throws(() => parseVarz({ in_msgs: '12', out_msgs: 30 }), /in_msgs/);
    assert.throws(() => parseVarz(null), /in_msgs/);
  });
});

describe('natsWork', () => {
  it('counts what happened between two readings', () => {
    assert.deepEqual(natsWork({ inMsgs: 100, outMsgs: 90 }, { inMsgs: 600, outMsgs: 540 }), { 'messages.in': 500, 'messages.out': 450 });
  });
  it('says nothing when a reading is missing, and never counts backwards (a restarted server)', () => {
    assert.equal(natsWork(undefined, { inMsgs: 1, outMsgs: 1 }), undefined);
    assert.deepEqual(natsWork({ inMsgs: 100, outMsgs: 90 }, { inMsgs: 5, outMsgs: 4 }), { 'messages.in': 0, 'messages.out': 0 });
  });
});
