import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DispatchOrder } from '@hookline/contracts';
import { InstanceStats, type Logger } from '@hookline/observability';
import type { DispatcherConfig } from '../config';
import type { AttemptService } from './attempt.service';
import { AttemptRunner } from './attempt-runner';
import type { FactRecorder } from './fact-recorder';
import type { ParkRecorder } from './park-recorder';

const config = { perReceiverConcurrency: 1, parkAfterMs: 30_000, inlineWaitMs: 5_000, inlineQueueWaitMs: 5_000 } as DispatcherConfig;
const silent = { warn: () => undefined, info: () => undefined } as unknown as Logger;

function order(n: number): DispatchOrder {
  return { deliveryId: `00000000-0000-4000-8000-00000000000${n}`, tenantId: 't1', kind: 'webhook', target: 'r1', attempt: 1, body: '{}', createdAt: new Date(0).toISOString() };
}

/**
 * An attempt service whose attempts send at once (calling `sent` when the attempt says
 * so) and then hold until the test lets their outcome be recorded.
 */
function fakeAttempts(opts: { callsSent: boolean }) {
  const started: string[] = [];
  const record: (() => void)[] = [];
  const attempts = {
    async attempt(o: DispatchOrder, a: { sent?: () => void } = {}) {
      started.push(o.deliveryId);
      if (opts.callsSent) a.sent?.();
      await new Promise<void>((r) => record.push(r));
    },
  } as unknown as AttemptService;
  return { attempts, started, recordNext: () => record.shift()?.() };
}

const tick = () => new Promise((r) => setImmediate(r));

function runnerWith(attempts: AttemptService): AttemptRunner {
  return new AttemptRunner(attempts, {} as FactRecorder, {} as never, new InstanceStats(), config, silent);
}

/** Runs orders 1 and 2 (one slot between them), letting each start as far as it can. */
async function runTwo(runner: AttemptRunner): Promise<Promise<void>[]> {
  const runs = [runner.run(order(1))];
  await tick();
  runs.push(runner.run(order(2)));
  await tick();
  return runs;
}

describe('AttemptRunner: a receiver\'s slot', () => {
  it('goes to the next order once the receiver has answered, while the outcome is still being recorded', async () => {
    const f = fakeAttempts({ callsSent: true });
    const runs = await runTwo(runnerWith(f.attempts));
    assert.deepEqual(f.started, [order(1).deliveryId, order(2).deliveryId], 'one slot, and the second order did not wait for the first one\'s facts');
    f.recordNext();
    f.recordNext();
    await Promise.all(runs);
  });

  it('is held until the attempt ends when no request went out (nothing was sent)', async () => {
    const f = fakeAttempts({ callsSent: false });
    const [first, second] = await runTwo(runnerWith(f.attempts));
    assert.deepEqual(f.started, [order(1).deliveryId], 'the second order waits its turn');
    f.recordNext();
    await first;
    await tick();
    assert.deepEqual(f.started, [order(1).deliveryId, order(2).deliveryId]);
    f.recordNext();
    await second;
  });

  it('is given back once, however often the attempt says it has sent', async () => {
    const started: string[] = [];
    const holds: (() => void)[] = [];
    let sendAgain!: () => void;
    const attempts = {
      async attempt(o: DispatchOrder, a: { sent?: () => void } = {}) {
        started.push(o.deliveryId);
        if (o.deliveryId === order(1).deliveryId) {
          a.sent?.();
          sendAgain = () => a.sent?.();
        }
        await new Promise<void>((r) => holds.push(r));
      },
    } as unknown as AttemptService;
    const runner = runnerWith(attempts);
    const runs = await runTwo(runner);
    assert.deepEqual(started, [order(1).deliveryId, order(2).deliveryId]);
    // Order 2 holds the only slot (it has sent nothing yet); order 1 saying "sent" again must not give that slot away.
    sendAgain();
    runs.push(runner.run(order(3)));
    await tick();
    assert.deepEqual(started, [order(1).deliveryId, order(2).deliveryId], 'order 3 waits for order 2');
    holds.shift()?.();
    holds.shift()?.();
    await tick();
    assert.equal(started.length, 3);
    holds.shift()?.();
    await Promise.all(runs);
  });
});

describe('AttemptRunner.parkFirst (fan-out\'s delivery whose receiver\'s turn is far off)', () => {
  const created = {
    type: 'created' as const,
    deliveryId: order(9).deliveryId,
    tenantId: 't1',
    kind: 'webhook' as const,
    at: new Date(0).toISOString(),
    source: { eventId: 'e1', topic: 'Orders.Paid' },
    target: 'r1',
    targetName: 'r1',
    url: 'http://127.0.0.1:1/hook',
    body: '{}',
  };

  /** A runner whose receiver r1 has its one slot taken and its queue (two places) full; what it records and parks, in order. */
  async function busyRunner(parkAfterMs: number) {
    const calls: unknown[][] = [];
    const facts = { record: async (...f: unknown[]) => void calls.push(['fact', ...f]) } as unknown as FactRecorder;
    const parks = { park: async (parked: unknown) => void calls.push(['park', parked]) } as unknown as ParkRecorder;
    const f = fakeAttempts({ callsSent: false });
    const runner = new AttemptRunner(f.attempts, facts, parks, new InstanceStats(), { ...config, parkAfterMs }, silent);
    const runs = [1, 2, 3].map((n) => runner.run(order(n)));
    await tick();
    assert.deepEqual(f.started, [order(1).deliveryId], 'one running, two waiting');
    const done = async () => {
      for (let i = 0; i < 3; i++) {
        f.recordNext();
        await tick();
      }
      await Promise.all(runs);
    };
    return { runner, calls, done };
  }

  it('records the "created" fact, then parks the order with the receiver\'s turn, when that is further off than the limit', async () => {
    // The gate gives turns at least 20 ms off: further than a limit of 10 ms.
    const { runner, calls, done } = await busyRunner(10);
    assert.equal(await runner.runFirst(created), false, 'no room now, and no turn to wait for');
    const before = Date.now();
    assert.equal(await runner.parkFirst(created), true);
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[0], ['fact', created], 'the fact first');
    const [what, parked] = calls[1] as [string, { order: DispatchOrder & { parked: number }; dueAt: string }];
    assert.equal(what, 'park');
    assert.deepEqual({ ...parked.order }, { deliveryId: created.deliveryId, tenantId: 't1', kind: 'webhook', target: 'r1', source: created.source, attempt: 1, body: '{}', createdAt: created.at, parked: 1 });
    assert.ok(Date.parse(parked.dueAt) >= before + 20, parked.dueAt);
    await done();
  });

  it('does nothing when the receiver\'s turn is nearer than the limit: the delivery takes the order path', async () => {
    const { runner, calls, done } = await busyRunner(30_000);
    assert.equal(await runner.runFirst(created), false);
    assert.equal(await runner.parkFirst(created), false);
    assert.deepEqual(calls, []);
    await done();
  });
});

describe('AttemptRunner: a receiver whose attempts time out', () => {
  it('tells the gate, which cuts the receiver to its probes and sends the waiting work beyond their queue away: an order is handed back, a first attempt goes the order path', async () => {
    const started: string[] = [];
    const sent: ((timedOut: boolean) => void)[] = [];
    const attempts = {
      async attempt(o: DispatchOrder, a: { sent?: (timedOut: boolean) => void } = {}) {
        started.push(o.deliveryId);
        await new Promise<void>((r) => sent.push((timedOut) => (a.sent?.(timedOut), r())));
      },
    } as unknown as AttemptService;
    // 4 slots and a queue of 8; cut to 2 probes, the queue is 4.
    const stats = new InstanceStats();
    const lines: [string, Record<string, unknown>, string][] = [];
    const logger = { warn: (o: Record<string, unknown>, m: string) => lines.push(['warn', o, m]), info: (o: Record<string, unknown>, m: string) => lines.push(['info', o, m]) } as unknown as Logger;
    const runner = new AttemptRunner(attempts, {} as FactRecorder, {} as never, stats, { ...config, perReceiverConcurrency: 4 }, logger);
    const outcomes: string[] = [];
    const runs = Array.from({ length: 11 }, (_, i) =>
      runner.run(order(i + 1)).then(
        () => outcomes.push(`${i + 1} done`),
        (err: Error) => outcomes.push(`${i + 1} ${err.name}`),
      ),
    );
    await tick();
    const first = runner.runFirst({ ...createdFor(order(20)) });
    await tick();
    assert.equal(started.length, 4, 'four running, seven orders and the first attempt waiting');
    for (let i = 0; i < 3; i++) sent.shift()?.(true);
    await tick();
    assert.equal(await first, false, 'sent away from the queue: the caller publishes it as an order');
    assert.deepEqual(outcomes.filter((o) => !o.endsWith('done')), ['11 DeferredError'], 'the last order is handed back');
    assert.equal(started.length, 6, 'two of the queue took the slots the first timeouts gave back; none since the cut');
    assert.deepEqual(lines.map(([level, o]) => [level, o]), [['warn', { lane: 't1/webhook/r1', timeouts: 3, probes: 2, sentAway: 2 }]], 'the operator is told, by lane (tenant, kind, receiver)');
    assert.equal(stats.snapshot().work['receivers.cut'], 1);
    // The rest run out, two at a time; an answer opens the slots again.
    while (sent.length > 0) {
      sent.shift()?.(false);
      await tick();
    }
    await Promise.all(runs);
    assert.deepEqual(outcomes.filter((o) => o.endsWith('done')).length, 10);
    assert.deepEqual(lines.map(([level]) => level), ['warn', 'info'], 'and told once it answers again');
    assert.match(lines[1][2], /^receiver t1\/webhook\/r1 answers again/);
    assert.equal(stats.snapshot().work['receivers.answering-again'], 1);
  });
});

function createdFor(o: DispatchOrder) {
  return { type: 'created' as const, deliveryId: o.deliveryId, tenantId: o.tenantId, kind: 'webhook' as const, at: new Date(0).toISOString(), source: { eventId: 'e1', topic: 'Orders.Paid' }, target: o.target, targetName: o.target, url: 'http://127.0.0.1:1/hook', body: '{}' };
}
