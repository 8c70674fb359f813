// Fault injection, crashes: nats-server, the dispatcher, the signer and the
// retry-scheduler are each SIGKILLed while events are being published and delivered,
// then started again. A delivery ledger proves that nothing was lost: every event
// reached every receiver that should get it, duplicates carry the same delivery id and
// body (and a valid signature), every delivery ends succeeded in the log exactly once,
// and every durable consumer drains.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceName } from '@hookline/contracts';
import { DeliveryLedger, eventually, ledgerTenant, listAllDeliveries, startReceiver, startTestStack, TestReceiver, TestStack } from '@hookline/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault injection: crashes', () => {
  let stack: TestStack;
  const servers: TestReceiver[] = [];

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        // 1h, 2h, 6h, 24h compressed; long enough to outlast a service restart (~5 s).
        HOOKLINE_RETRY_SCHEDULE: '2s,4s,6s,8s',
        HOOKLINE_RETRY_POLL_INTERVAL: '100ms',
        HOOKLINE_SIGNER_TIMEOUT: '2s',
      },
    });
  });
  after(async () => {
    for (const s of servers) await s.close();
    await stack?.stop();
  });

  /**
   * A tenant with three receivers: two WebSub-signed ones (all Orders.*, and Orders.Paid
   * only) and one that turns away the first attempt of every delivery, so that every one
   * of its deliveries passes through the retry-scheduler.
   */
  async function scenario(name: string) {
    const t = await ledgerTenant(stack, `crash-${name}`);
    const add = async (label: string, topics: string[], auth: Record<string, unknown>, respond?: TestReceiver['respond']) => {
      const server = await startReceiver(respond);
      servers.push(server);
      const { id } = await t.add(label, server, { topics, auth });
      return { id, server };
    };
    const all = await add('all', ['Orders.*'], { protocol: 'websub', algorithm: 'sha256' });
    const paid = await add('paid', ['Orders.Paid'], { protocol: 'websub', algorithm: 'sha512' });
    const seenOnce = new Set<string>();
    const flaky = await add('flaky', ['Orders.>'], { protocol: 'none' }, (q) => {
      const id = q.headers['hookline-delivery-id'];
      if (seenOnce.has(id)) return { status: 200 };
      seenOnce.add(id);
      return { status: 503, body: 'first attempts are turned away' };
    });
    return { tenant: t.tenant, ledger: t.ledger, receivers: { all, paid, flaky } };
  }

  /** Publishes `total` events (Paid and Refunded in turn) at a steady pace, in the background. */
  function publishInBackground(ledger: DeliveryLedger, total: number, gapMs = 25) {
    let published = 0;
    const done = (async () => {
      for (let i = 0; i < total; i++) {
        await ledger.publish(i % 2 === 0 ? 'Orders.Paid' : 'Orders.Refunded', { i });
        published++;
        await sleep(gapMs);
      }
    })();
    return { done, published: () => published };
  }

  async function killAndRestart(name: ServiceName) {
    const svc = stack.services[name];
    const pid = svc.pid();
    await svc.kill('SIGKILL');
    await sleep(500);
    await svc.start();
    assert.notEqual(svc.pid(), pid, `${name} runs as a new process`);
  }

  async function crashMidRun(t: TestContext, name: string, crash: () => Promise<void>, total = 90) {
    const s = await scenario(name);
    const pub = publishInBackground(s.ledger, total);
    // Mid-run: a third published, and deliveries flowing to every receiver.
    await eventually('deliveries flowing', async () => pub.published() >= total / 3 && s.receivers.all.server.requests.length >= 10 && s.receivers.flaky.server.requests.length >= 10, 60_000);
    await crash();
    await pub.done;
    const started = Date.now();
    const result = await s.ledger.verify(150_000);
    t.diagnostic(`${total} events, ${result.deliveries} deliveries, ${result.requests} requests (${result.duplicates} repeats: retries and redeliveries); settled ${Date.now() - started} ms after the last publish`);
    assert.equal(s.ledger.events.length, total);
    // Paid goes to all three receivers, Refunded to two.
    assert.equal(result.deliveries, total * 3 - Math.floor(total / 2));
    return { ...s, result };
  }

  it('SIGKILL of the dispatcher mid-run loses nothing', async (t) => {
    const { result } = await crashMidRun(t, 'dispatcher', () => killAndRestart('dispatcher'));
    assert.ok(result.requests >= result.deliveries);
  });

  it('SIGKILL of the signer mid-run loses nothing: the unsigned attempts are retried and signed later', async (t) => {
    const { tenant, receivers } = await crashMidRun(t, 'signer', async () => {
      await stack.services.signer.kill('SIGKILL');
      // Long enough that attempts in between find no signer.
      await sleep(1500);
      await stack.services.signer.start();
    });
    // The crash was felt: some signed deliveries needed another attempt, and their first failed for want of a signature.
    const retried = (await listAllDeliveries(stack.operator, tenant, `receiver=${receivers.all.id}`)).filter((d) => d.attempts > 1);
    assert.ok(retried.length > 0, 'no signed delivery was attempted while the signer was down');
    const detail = await stack.operator.get(`/v1/deliveries/${retried[0].id}?tenant=${tenant}`);
    assert.equal(detail.body.attemptLog[0].errorClass, 'signing', JSON.stringify(detail.body.attemptLog[0]));
    assert.equal(detail.body.attemptLog.at(-1).ok, true);
  });

  it('SIGKILL of the retry-scheduler mid-run loses nothing: every turned-away first attempt is retried', async (t) => {
    const { tenant, receivers } = await crashMidRun(t, 'retry', () => killAndRestart('retry-scheduler'));
    const flaky = await listAllDeliveries(stack.operator, tenant, `receiver=${receivers.flaky.id}`);
    assert.ok(flaky.every((d) => d.attempts >= 2 && d.status === 'succeeded'), 'every delivery to the flaky receiver went through a retry');
  });

  it('SIGKILL of nats-server mid-run loses nothing: it comes back with its store, services reconnect', async (t) => {
    await crashMidRun(t, 'nats', async () => {
      await stack.nats.kill('SIGKILL');
      await sleep(1000);
      await stack.nats.start();
    });
    // Every service is ready again on the same broker.
    for (const svc of Object.values(stack.services)) {
      await eventually(`${svc.name} ready`, async () => (await fetch(`${svc.url}/ready`)).status === 200, 30_000);
    }
  });
});
