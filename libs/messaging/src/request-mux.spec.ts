import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readPubAck } from './request-mux';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('readPubAck', () => {
  it('reads a PubAck, duplicate or not', () => {
    assert.deepEqual(readPubAck(bytes('{"stream":"S","seq":7}')), { ok: true, stream: 'S', seq: 7, duplicate: false });
    assert.deepEqual(readPubAck(bytes('{"stream":"S","seq":7,"duplicate":true}')), { ok: true, stream: 'S', seq: 7, duplicate: true });
  });

  it('reads a byte view into a larger buffer', () => {
    const whole = bytes('xx{"stream":"S","seq":1}yy');
    assert.deepEqual(readPubAck(whole.subarray(2, whole.length - 2)), { ok: true, stream: 'S', seq: 1, duplicate: false });
  });

  it("says what JetStream refused and why, with its codes", () => {
    const r = readPubAck(bytes('{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 3"}}'));
    assert.deepEqual(r, { ok: false, message: 'JetStream refused the message: wrong last sequence: 3 (400/10071)' });
  });

  it('refuses what is not a PubAck', () => {
    for (const s of ['', 'not json', '[]', 'null', '{"stream":"","seq":1}', '{"stream":"S"}', '{"seq":1}']) {
      const r = readPubAck(bytes(s));
      assert.equal(r.ok, false, s);
    }
  });
});
