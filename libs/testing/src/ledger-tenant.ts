// A tenant set up for a delivery-ledger test: its topics, one receiving account allowed
// every topic on every unit, a ledger, and a way to register receivers with both the
// platform and the ledger. The fault-injection and parking tests all start this way.
import assert from 'node:assert/strict';
import { createAccount } from './accounts';
import { DeliveryLedger, type LedgerReceiverSpec } from './ledger';
import { startReceiver, type TestReceiver } from './receiver';
import type { TestStack } from './test-stack';

export interface LedgerTenant {
  tenant: string;
  accountId: string;
  ledger: DeliveryLedger;
  /**
   * Registers a receiver at `server.url/label` (WebSub with a generated secret unless
   * `auth` says otherwise) and tells the ledger what it should get.
   */
  add(label: string, server: { url: string } & LedgerReceiverSpec['server'], opts?: { topics?: string[]; auth?: Record<string, unknown> }): Promise<{ id: string; secret?: string }>;
  /** Starts a receiver answering as `respond` says, puts it in `servers` (to close after the test) and adds it. */
  serve(label: string, servers: TestReceiver[], respond?: TestReceiver['respond']): Promise<TestReceiver>;
}

export async function ledgerTenant(stack: TestStack, tenant: string, topics: string[] = ['Orders.Paid', 'Orders.Refunded']): Promise<LedgerTenant> {
  assert.equal((await stack.operator.post('/v1/tenants', { id: tenant, name: tenant })).status, 201);
  for (const topic of topics) assert.equal((await stack.operator.post('/v1/topics', { tenant, name: topic })).status, 201);
  const account = await createAccount(stack.operator, { tenant, name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] });
  const ledger = new DeliveryLedger({ client: stack.operator, tenant, natsUrl: stack.nats.url, name: tenant });
  const add: LedgerTenant['add'] = async (label, server, opts = {}) => {
    const receiverTopics = opts.topics ?? ['Orders.*'];
    const auth = opts.auth ?? { protocol: 'websub' };
    const res = await stack.operator.post('/v1/receivers', { tenant, name: label, url: `${server.url}/${label}`, topics: receiverTopics, accountId: account.id, auth });
    assert.equal(res.status, 201, res.text);
    const secret = res.body.secret as string | undefined;
    const websub = auth.protocol === 'websub' && secret ? { secret, algorithm: (auth.algorithm as 'sha256' | 'sha512' | undefined) ?? 'sha256' } : undefined;
    ledger.addReceiver({ id: res.body.receiver.id, server, topics: receiverTopics, websub });
    return { id: res.body.receiver.id as string, secret };
  };
  return {
    tenant,
    accountId: account.id,
    ledger,
    add,
    async serve(label, servers, respond) {
      const server = await startReceiver(respond);
      servers.push(server);
      await add(label, server);
      return server;
    },
  };
}
