// The webhook log against a real PostgreSQL: text it cannot hold (U+0000, lone surrogates)
// is stored as U+FFFD, an entry it refuses is dropped alone by the buffer, and a refused
// write leaves no gap in a listener's numbering.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
});
