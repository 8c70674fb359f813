// The transactional outbox against a real PostgreSQL and nats-server: a change event
// exists exactly when its transaction commits; the relay publishes in order with
// Nats-Msg-Id = row id, survives a broker outage, and a re-published row is a duplicate.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { STREAMS, type RegistryChange } from '@hookline/contracts';
import { NatsServerHandle, startNatsServer } from '@hookline/local-stack';
import { ensureStream, JetStreamPublisher, NatsClient } from '@hookline/messaging';
import { createLogger } from '@hookline/observability';
import { createTestDataSource, sharedPostgresUrl, tempDir, type TestDataSource } from '@hookline/testing';
import type { RegistryConfig } from '../config';
import { ChangeLog } from './change-log';
import { OutboxEntry } from './entities/outbox-entry.entity';
import { OutboxRelay } from './outbox.relay';
import { OutboxRepository } from './outbox.repository';

const adminUrl = sharedPostgresUrl();
const quiet = createLogger({ service: 'test', version: '0', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

const until = async (what: string, check: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const change = (entityId: string) => ({ tenantId: 't-outbox', entity: 'unit' as const, entityId, action: 'created' as const, actor: { kind: 'operator' as const }, before: null, after: { id: entityId } });

describe('registry outbox', { skip: !adminUrl && 'HOOKLINE_TEST_PG_URL is not set (run through npm test)' }, () => {
  const dir = tempDir('outbox');
  let nats: NatsServerHandle;
  let db: TestDataSource;
  let ds: DataSource;
  let client: NatsClient;
  let relay: OutboxRelay;
  let changes: ChangeLog;
  let outbox: OutboxRepository;

  async function streamMessages(): Promise<{ msgId: string; subject: string; payload: RegistryChange }[]> {
    const nc = await connect({ servers: nats.url });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(STREAMS.registry.name);
      const consumer = await jetstream(nc).consumers.get(STREAMS.registry.name);
      const out = [];
      for (let i = 0; i < info.state.messages; i++) {
        const m = await consumer.next({ expires: 2000 });
        if (!m) break;
        out.push({ msgId: m.headers?.get('Nats-Msg-Id') ?? '', subject: m.subject, payload: m.json<RegistryChange>() });
      }
      return out;
    } finally {
      await nc.close();
    }
  }

  before(async () => {
    nats = await startNatsServer({ storeDir: dir.path });
    db = await createTestDataSource('outbox', { poolSize: 4, entities: [OutboxEntry] });
    ds = db.dataSource;
    client = new NatsClient({ natsUrl: nats.url, name: 'test' }, quiet);
    await client.connect();
    await ensureStream(client.jsm, STREAMS.registry);
    outbox = new OutboxRepository(ds);
    relay = new OutboxRelay(outbox, new JetStreamPublisher(client, quiet), { outboxPollMs: 100 } as RegistryConfig, quiet);
    changes = new ChangeLog(ds, outbox, relay);
    relay.onApplicationBootstrap();
  });
  after(async () => {
    await relay?.onModuleDestroy();
    await client?.onApplicationShutdown();
    await db?.drop();
    await nats?.stop();
    dir.remove();
  });

  it('a transaction that fails leaves no event behind', async () => {
    await assert.rejects(
      changes.transaction(async (tx) => {
        await tx.record(change('rolled-back'));
        throw new Error('the write failed');
      }),
      /the write failed/,
    );
    assert.equal(await ds.getRepository(OutboxEntry).count({ where: { tenantId: 't-outbox' } }), 0);
  });

  it('publishes committed changes in order, with Nats-Msg-Id = the row id, and marks them', async () => {
    for (let i = 0; i < 5; i++) await changes.transaction((tx) => tx.record(change(`u-${i}`)));
    await until('all published', async () => (await outbox.pendingCount()) === 0);
    const msgs = await streamMessages();
    assert.deepEqual(msgs.map((m) => m.payload.entityId), ['u-0', 'u-1', 'u-2', 'u-3', 'u-4']);
    for (const m of msgs) {
      assert.equal(m.msgId, m.payload.id);
      assert.equal(m.subject, 'hookline.registry.t-outbox.unit.created');
    }
  });

  it('keeps changes while the broker is down and publishes them once it is back', async () => {
    await nats.kill('SIGKILL');
    for (let i = 5; i < 10; i++) await changes.transaction((tx) => tx.record(change(`u-${i}`)));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await outbox.pendingCount(), 5);
    await nats.start();
    await until('published after the outage', async () => (await outbox.pendingCount()) === 0, 30_000);
    const msgs = await streamMessages();
    assert.deepEqual(
      msgs.map((m) => m.payload.entityId),
      Array.from({ length: 10 }, (_, i) => `u-${i}`),
    );
  });

  it('a row published again (a crash before it was marked) is a duplicate, not a second event', async () => {
    await ds.query('UPDATE registry_outbox SET published_at = NULL WHERE seq IN (SELECT seq FROM registry_outbox ORDER BY seq DESC LIMIT 3)');
    relay.wake();
    await until('re-marked', async () => (await outbox.pendingCount()) === 0);
    const msgs = await streamMessages();
    assert.equal(msgs.length, 10);
    assert.equal(new Set(msgs.map((m) => m.payload.id)).size, 10);
  });
});
