import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nginxUnder, waitingReceiver } from './npm-start-memory';

async function post(url: string, body: string): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  return res.status;
}

describe('waitingReceiver (the receiver of the npm start load)', () => {
  it('answers 204 and lets a waiter go only when the webhook of its event arrives, before or after it asks', async () => {
    const r = await waitingReceiver();
    try {
      let seven = false;
      const waiting = r.arrival(7).then(() => (seven = true));
      assert.equal(await post(r.url, JSON.stringify({ id: 'e-3', data: { seq: 3 } })), 204);
      await new Promise((ok) => setTimeout(ok, 20));
      assert.equal(seven, false, 'event 3 arriving does not let the waiter of event 7 go');
      assert.equal(await post(r.url, JSON.stringify({ id: 'e-7', data: { seq: 7 } })), 204);
      await waiting;
      assert.equal(seven, true);
      // Arrived before anyone asked: resolves at once.
      await r.arrival(3);
      assert.equal(r.received(), 2);
    } finally {
      await new Promise<void>((ok) => r.server.close(() => ok()));
    }
  });

  it('counts a webhook it cannot read but lets no waiter go for it', async () => {
    const r = await waitingReceiver();
    try {
      assert.equal(await post(r.url, 'not json'), 204);
      assert.equal(await post(r.url, JSON.stringify({ data: { seq: '1' } })), 204);
      assert.equal(r.received(), 2);
      const settled = await Promise.race([r.arrival(1).then(() => 'arrived'), new Promise((ok) => setTimeout(() => ok('waiting'), 30))]);
      assert.equal(settled, 'waiting');
    } finally {
      await new Promise<void>((ok) => r.server.close(() => ok()));
    }
  });
});

describe('nginxUnder', () => {
  it("finds the nginx processes anywhere under the launcher, and nothing else", () => {
    const tree: Record<number, number[]> = { 1: [2, 3], 2: [4], 3: [], 4: [5] };
    const comm: Record<number, string> = { 2: 'node', 3: 'nginx', 4: 'postgres', 5: 'nginx' };
    assert.deepEqual(
      nginxUnder(1, (p) => comm[p], (p) => tree[p] ?? []),
      [3, 5],
    );
  });
});
