import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupPublisher, type GroupPublisherOptions } from './group-publisher';
import type { JetStreamPublisher } from './publisher';

/** A publisher that records each message and acknowledges it when told to. */
function fakePublisher() {
  const sent: { subject: string; data: string; msgId: string; ack: () => void; fail: (e: Error) => void }[] = [];
  const publisher = {
    publishRaw(subject: string, data: string, opts: { msgId: string }) {
      return new Promise((resolve, reject) => sent.push({ subject, data, msgId: opts.msgId, ack: () => resolve({ stream: 'S', seq: sent.length, duplicate: false }), fail: reject }));
    },
  } as unknown as JetStreamPublisher;
  return { publisher, sent };
}

const opts = (o: Partial<GroupPublisherOptions> = {}): GroupPublisherOptions => ({
  maxItems: 100,
  maxBytes: 10_000,
  maxInFlight: 1,
  envelope: (items) => `[${items.join(',')}]`,
  msgId: (ids) => ids.join('+'),
  ...o,
});
const item = (n: number) => ({ json: String(n), id: `i${n}` });
const turn = () => new Promise((r) => setImmediate(r));

describe('GroupPublisher', () => {
  it('sends what one turn added as one message, in order, with a msg id from the items', async () => {
    const { publisher, sent } = fakePublisher();
    const g = new GroupPublisher(publisher, opts());
    const done = [g.add('s', [item(1), item(2)]), g.add('s', [item(3)])];
    await turn();
    assert.deepEqual(sent.map((m) => [m.subject, m.data, m.msgId]), [['s', '[1,2,3]', 'i1+i2+i3']]);
    sent[0].ack();
    await Promise.all(done);
  });

  it('while a publish awaits its ack, later items wait and then go together', async () => {
    const { publisher, sent } = fakePublisher();
    const g = new GroupPublisher(publisher, opts());
    const first = g.add('s', [item(1)]);
    await turn();
    const later = [g.add('s', [item(2)]), g.add('s', [item(3)])];
    await turn();
    assert.equal(sent.length, 1, 'nothing more is sent while one message is unacknowledged');
    sent[0].ack();
    await first;
    await turn();
    await turn();
    assert.deepEqual(sent.map((m) => m.data), ['[1]', '[2,3]']);
    sent[1].ack();
    await Promise.all(later);
  });

  it('keeps each subject apart and never splits a group; limits cut between groups', async () => {
    const { publisher, sent } = fakePublisher();
    const g = new GroupPublisher(publisher, opts({ maxItems: 3, maxInFlight: 4 }));
    const all = [g.add('a', [item(1), item(2)]), g.add('a', [item(3), item(4)]), g.add('b', [item(5)]), g.add('a', [item(6), item(7), item(8), item(9)])];
    await turn();
    assert.deepEqual(sent.map((m) => `${m.subject}:${m.data}`).sort(), ['a:[1,2]', 'a:[3,4]', 'a:[6,7,8,9]', 'b:[5]']);
    for (const m of sent) m.ack();
    await Promise.all(all);
  });

  it('a failed publish fails every add it carried, and the next ones still go', async () => {
    const { publisher, sent } = fakePublisher();
    const g = new GroupPublisher(publisher, opts());
    const a = g.add('s', [item(1)]);
    await turn();
    sent[0].fail(new Error('no broker'));
    await assert.rejects(a, /no broker/);
    const b = g.add('s', [item(2)]);
    await turn();
    await turn();
    sent[1].ack();
    await b;
  });

  describe('with a linger', () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('sends a lone item at once, then holds what follows within the linger and sends it as one message', async () => {
      const { publisher, sent } = fakePublisher();
      const g = new GroupPublisher(publisher, opts({ lingerMs: 250 }));
      const first = g.add('s', [item(1)]);
      await turn();
      assert.deepEqual(sent.map((m) => m.data), ['[1]'], 'the first item after a quiet spell goes at the end of its turn');
      sent[0].ack();
      await first;
      const next = [g.add('s', [item(2)])];
      await turn();
      await turn();
      assert.equal(sent.length, 1, 'an item within the linger of the last message waits');
      next.push(g.add('s', [item(3)]));
      await sleep(350);
      assert.deepEqual(sent.map((m) => m.data), ['[1]', '[2,3]'], 'what waited goes together once the linger is over');
      sent[1].ack();
      await Promise.all(next);
    });

    it('ends the linger early once maxItems are waiting', async () => {
      const { publisher, sent } = fakePublisher();
      const g = new GroupPublisher(publisher, opts({ lingerMs: 60_000, maxItems: 3 }));
      const first = g.add('s', [item(1)]);
      await turn();
      sent[0].ack();
      await first;
      const rest = [g.add('s', [item(2), item(3)])];
      await turn();
      assert.equal(sent.length, 1);
      rest.push(g.add('s', [item(4)]));
      await turn();
      await turn();
      assert.deepEqual(sent.map((m) => m.data), ['[1]', '[2,3,4]']);
      sent[1].ack();
      await Promise.all(rest);
    });

    it('lingers per subject: another subject is not held by this one', async () => {
      const { publisher, sent } = fakePublisher();
      const g = new GroupPublisher(publisher, opts({ lingerMs: 60_000 }));
      const a = g.add('a', [item(1)]);
      await turn();
      sent[0].ack();
      await a;
      const b = g.add('b', [item(2)]);
      await turn();
      assert.deepEqual(sent.map((m) => `${m.subject}:${m.data}`), ['a:[1]', 'b:[2]']);
      sent[1].ack();
      await b;
    });

    it('sends at once again after a quiet spell as long as the linger', async () => {
      const { publisher, sent } = fakePublisher();
      const g = new GroupPublisher(publisher, opts({ lingerMs: 15 }));
      const first = g.add('s', [item(1)]);
      await turn();
      sent[0].ack();
      await first;
      await sleep(30);
      const second = g.add('s', [item(2)]);
      await turn();
      assert.deepEqual(sent.map((m) => m.data), ['[1]', '[2]']);
      sent[1].ack();
      await second;
    });
  });
});
