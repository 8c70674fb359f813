// The webhook log against a real PostgreSQL: text it cannot hold (U+0000, lone surrogates)
// is stored as U+FFFD, an entry it refuses is dropped alone by the buffer, a refused write
// leaves no gap in a listener's numbering, a change of keepLogs keeps the newest entries,
// and writes lock the heads in one order.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EntityManager } from 'typeorm';
import type { Logger } from '@hookline/observability';
import { createTestDataSource, sharedPostgresUrl, type TestDataSource } from '@hookline/testing';
import type { WebhookListenerConfig } from '../config';
import { LogBuffer } from './log-buffer';
import { refusedForContent } from './log-entries';
import { LogsRepository, type LogEntry } from './logs.repository';

const adminUrl = sharedPostgresUrl();
const TENANT = 'logs-int';

function entry(listenerId: string, status: number, over: Partial<LogEntry> = {}): LogEntry {
  return { tenantId: TENANT, listenerId, keep: 10, requestId: '', method: 'POST', path: '/hooks/s/l', status, state: 'error', error: 'refused', durationMs: 1, size: 0, records: 0, at: new Date().toISOString(), ...over };
}

describe('LogsRepository and LogBuffer', { skip: !adminUrl && 'HOOKLINE_TEST_PG_URL is not set (run through npm test)' }, () => {
  let db: TestDataSource;
  let repo: LogsRepository;
  before(async () => {
    db = await createTestDataSource('listener_logs');
    repo = new LogsRepository(db.dataSource);
  });
  after(async () => {
    await db?.drop();
  });

  it('PostgreSQL refuses U+0000 and lone surrogates in jsonb with an error of the content’s class', async () => {
    for (const json of ['{"error":"a\\u0000b"}', '{"error":"a\\ud800b"}', '{"error":"\\udc00"}']) {
      const err = await db.dataSource.query('SELECT $1::jsonb AS v', [json]).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err, `${json} is refused`);
      assert.equal(refusedForContent(err), true, `${json}: ${(err as Error).message} (${(err as { code?: string }).code})`);
    }
  });

  it('stores text PostgreSQL cannot hold with U+FFFD in its place, in every field from the request', async () => {
    const id = '0196f3a2-7c1e-7d2a-9b3c-00000000a001';
    await repo.append([
      entry(id, 400, {
        error: "body: malformed JSON: Unexpected token '\u0000', \"{\"id\":\u0000}\" is not valid JSON",
        body: '{"id":\u0000, "s":"\uD800", "ok":"\uD83D\uDE00"}',
        path: '/hooks/s/l?x=\uDC00',
        requestId: 'r\u0000',
      }),
    ]);
    const [row] = await repo.list(TENANT, { listeners: [{ id, keep: 10 }], limit: 10 });
    assert.equal(row.error, "body: malformed JSON: Unexpected token '\uFFFD', \"{\"id\":\uFFFD}\" is not valid JSON");
    assert.equal(row.body, '{"id":\uFFFD, "s":"\uFFFD", "ok":"\uD83D\uDE00"}');
    assert.equal(row.path, '/hooks/s/l?x=\uFFFD');
    assert.equal(row.request_id, 'r\uFFFD');
  });

  it('the buffer drops only an entry the database refuses, numbers the rest without a gap, and keeps writing', async () => {
    const id = '0196f3a2-7c1e-7d2a-9b3c-00000000a002';
    const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
    const logger = { warn: (fields: Record<string, unknown>, msg: string) => warnings.push({ fields, msg }), info: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;
    const buffer = new LogBuffer(repo, { logFlushMs: 60_000 } as WebhookListenerConfig, logger);
    // A status past PostgreSQL's integer: refused for its content (22003), whatever the text.
    for (const status of [400, 401, 2 ** 40, 413, 415]) buffer.push(entry(id, status, { body: 'the body, never in a warning' }));
    await buffer.flush();
    buffer.push(entry(id, 422));
    await buffer.flush();
    const rows = await repo.list(TENANT, { listeners: [{ id, keep: 10 }], limit: 10 });
    assert.deepEqual(rows.map((r) => r.status).sort(), [400, 401, 413, 415, 422]);
    assert.deepEqual(rows.map((r) => Number(r.seq)).sort((a, b) => a - b), [1, 2, 3, 4, 5], 'numbered without a gap: a refused write bumps no head');
    const head = await db.dataSource.query('SELECT next_seq::int AS n FROM listener_log_heads WHERE listener_id = $1', [id]);
    assert.equal(head[0].n, 5);
    const dropped = warnings.filter((w) => /dropped/.test(w.msg));
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0].fields.listenerId, id);
    assert.equal(dropped[0].fields.status, 2 ** 40);
    assert.ok(!JSON.stringify(warnings).includes('never in a warning'));
  });

  it('raising keepLogs keeps every entry it should; lowering it shows and then keeps only the newest', async () => {
    const id = '0196f3a2-7c1e-7d2a-9b3c-00000000a003';
    const at = (seq: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString();
    // One request at a time, as requests come: the ring wraps under the first keepLogs.
    const write = async (from: number, to: number, keep: number) => {
      for (let seq = from; seq <= to; seq++) await repo.append([entry(id, 400 + seq, { keep, at: at(seq) })]);
    };
    const seqs = async (keep: number) => (await repo.list(TENANT, { listeners: [{ id, keep }], limit: 100 })).map((r) => Number(r.seq));
    const stored = async () => (await db.dataSource.query('SELECT count(*)::int AS n FROM listener_logs WHERE listener_id = $1', [id]))[0].n as number;
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => to - i);

    await write(1, 7, 5);
    assert.deepEqual(await seqs(5), range(3, 7));
    // Raised to 10: the 5 entries kept so far and the 5 after them (no write lands on a kept entry).
    await write(8, 12, 10);
    assert.deepEqual(await seqs(10), range(3, 12));
    await write(13, 20, 10);
    assert.deepEqual(await seqs(10), range(11, 20));
    await repo.trim(id, 10);
    assert.equal(await stored(), 10, 'the ring holds what is kept, once trimmed');

    // Lowered to 3: the newest 3 at once, and after the sweep's trim only those are stored.
    assert.deepEqual(await seqs(3), range(18, 20));
    await repo.trim(id, 3);
    assert.equal(await stored(), 3);
    await write(21, 22, 3);
    assert.deepEqual(await seqs(3), range(20, 22));
    // Raised again before any trim: nothing written since it was lowered is lost.
    await write(23, 26, 6);
    assert.deepEqual(await seqs(6), range(21, 26));
    await repo.trim(id, 6);
    assert.equal(await stored(), 6);
    assert.deepEqual(await seqs(6), range(21, 26));
  });

  it('locks the heads of the listeners it writes in the order of their ids, whatever the order of the entries', async () => {
    const ids = ['0196f3a2-7c1e-7d2a-9b3c-00000000a0f3', '0196f3a2-7c1e-7d2a-9b3c-00000000a0f1', '0196f3a2-7c1e-7d2a-9b3c-00000000a0f2'];
    const params: unknown[][] = [];
    await db.dataSource.transaction(async (em: EntityManager) => {
      const query = em.query.bind(em);
      em.query = (sql: string, p?: unknown[]) => {
        if (sql.includes('listener_log_heads')) params.push(p ?? []);
        return query(sql, p);
      };
      await repo.append(ids.map((id) => entry(id, 400)), em);
    });
    assert.equal(params.length, 1);
    assert.deepEqual(params[0][0], [...ids].sort());
  });
});
