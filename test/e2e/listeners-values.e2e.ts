// Values at PostgreSQL's edges, end to end: what PostgreSQL 15 would refuse when the apply
// writes it (calendar-invalid timestamps, numeric overflow, primary keys too long for a
// btree, rows too big for a page) is a 400 naming the field and is never written; what it
// takes at the edge (a leap second, 24:00, ±15:59, 1 BC, 131072-digit numbers, a
// 1000-byte key) is stored and read back; a PATCH of a nested object keeps the child
// tables it does not reach; and a sample with pg_ and system-column keys makes tables.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { CONSUMERS, STREAMS, subjects, tenantSchema } from '@hookline/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { REPO_ROOT } from '@hookline/local-stack';
import { allRecords, assertProblem, consumersDrained, createListener, eventually, listenerTenant, recordsWhen, startTestStack, TestListener, TestStack } from '@hookline/testing';

const TENANT = 'values-in';
const SCHEMA = tenantSchema(TENANT);
const github = JSON.parse(readFileSync(join(REPO_ROOT, 'libs/listener-tables/src/testdata/github-issues-event.json'), 'utf8'));

describe('listener values at PostgreSQL edges', () => {
  let stack: TestStack;
  let serviceId: string;

  async function send(l: { path: string }, method: string, body: unknown, suffix = '') {
    const res = await fetch(`${stack.url}${l.path}${suffix}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
  }

  async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      return (await db.query(text, values)).rows as T[];
    } finally {
      await db.end();
    }
  }

  before(async () => {
    stack = await startTestStack();
    ({ serviceId } = await listenerTenant(stack.operator, TENANT));
  });
  after(async () => {
    await stack?.stop();
  });

  describe('timestamps and numbers', () => {
    let l: TestListener;
    before(async () => {
      l = await createListener(stack.operator, TENANT, serviceId, { name: 'values', sample: { id: 1, at: '2026-01-31T12:00:00Z', amount: 1.5, lines: [{ sku: 's', qty: 1 }] } });
    });

    it('what PostgreSQL refuses is a 400 problem naming the field, and nothing of it is written', async () => {
      const refused: [unknown, string][] = [
        [{ id: 10, at: '2019-02-31T00:00:00Z' }, 'body.at'],
        [{ id: 11, at: '0000-01-01T00:00:00Z' }, 'body.at'],
        [{ id: 12, at: '2016-12-31T12:00:00+16:00' }, 'body.at'],
        [{ id: 13, at: '2016-12-31T23:59:60.5Z' }, 'body.at'],
        [{ id: 14, at: 'infinity' }, 'body.at'],
        [{ id: 15, amount: '1e200000' }, 'body.amount'],
        [{ id: 16, amount: '1e-16384' }, 'body.amount'],
        [{ id: 17, amount: 'NaN' }, 'body.amount'],
        [{ id: 18, lines: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: '1e131072' }] }, 'body.lines[1].qty'],
        [{ id: '1e200000' }, 'body.id'],
        [{ id: '1e5000' }, 'body.id'],
      ];
      for (const [record, field] of refused) {
        const r = await send(l, 'POST', record);
        assertProblem(r, 400, field);
        assert.deepEqual(r.body.errors.map((e: { field: string }) => e.field), [field], r.text);
      }
      // A PATCH is checked the same way.
      assert.equal((await send(l, 'POST', { id: 19, at: '2026-01-01T00:00:00Z' })).status, 202);
      assertProblem(await send(l, 'PATCH', { at: '2015-02-29T00:00:00Z' }, '/19'), 400, 'body.at');
      // ... and takes what PostgreSQL takes: a 131072-digit number.
      assert.equal((await send(l, 'PATCH', { amount: '9e131071' }, '/19')).status, 202);
    });

    it('values at the edge that PostgreSQL takes are stored and read back', async () => {
      const edge: [number, Record<string, unknown>, Record<string, unknown>][] = [
        [20, { at: '2016-12-31T23:59:60Z' }, { at: '2017-01-01T00:00:00.000Z' }],
        [21, { at: '2019-02-28T24:00:00Z' }, { at: '2019-03-01T00:00:00.000Z' }],
        [22, { at: '2016-12-31T12:00:00+15:59' }, { at: '2016-12-30T20:01:00.000Z' }],
        [23, { at: '0001-01-01T00:00:00+15:59' }, { at: '0000-12-31T08:01:00.000Z' }],
        [24, { at: '2000-02-29T00:00:00-15:59' }, { at: '2000-02-29T15:59:00.000Z' }],
        [25, { amount: '1e131071' }, { amount: `1${'0'.repeat(131_071)}` }],
        [26, { amount: '-1.5e-16382' }, { amount: `-0.${'0'.repeat(16_381)}15` }],
        [27, { amount: '0e200000' }, { amount: 0 }],
      ];
      for (const [id, fields] of edge) {
        const r = await send(l, 'POST', { id, ...fields });
        assert.equal(r.status, 202, r.text);
      }
      const rows = await recordsWhen(stack.operator, l, (rs) => edge.every(([id]) => rs.some((x) => x.row.id === id)), 'the edge values', 30_000);
      for (const [id, , expected] of edge) {
        const rec = rows.find((x) => x.row.id === id);
        for (const [k, v] of Object.entries(expected)) assert.equal(rec.row[k], v, `record ${id}: ${k}`);
      }
      // The patch of 19 with 9e131071 (a 131072-digit number) was taken too.
      const [p] = await recordsWhen(stack.operator, l, (rs) => rs.some((x) => x.row.id === 19 && typeof x.row.amount === 'string'), 'record 19 patched').then((rs) => rs.filter((x) => x.row.id === 19));
      assert.equal(p.row.amount, `9${'0'.repeat(131_071)}`);
      // Nothing refused above reached the table.
      const ids = (await sql<{ id: string }>(`SELECT id::text AS id FROM "${SCHEMA}"."values" ORDER BY id`)).map((r) => r.id);
      assert.deepEqual(ids, ['19', ...edge.map(([id]) => String(id))]);
      assert.deepEqual(await sql(`SELECT * FROM "${SCHEMA}"."values_lines"`), []);
    });

    it('spellings of one numeric key are one record, so a batch never writes its row twice', async () => {
      const r = await send(l, 'POST', [
        { id: '1e20', at: '2026-01-01T00:00:00Z' },
        { id: '100000000000000000000.0', at: '2026-01-02T00:00:00Z' },
      ]);
      assert.equal(r.status, 202, r.text);
      assert.equal((await send(l, 'PATCH', { amount: 7 }, '/1.0E20')).status, 202);
      const rows = await recordsWhen(stack.operator, l, (rs) => rs.some((x) => Number(x.row.id) === 1e20 && x.row.amount === 7), 'record 1e20 patched');
      const rec = rows.filter((x) => Number(x.row.id) === 1e20);
      assert.equal(rec.length, 1);
      // The last spelling sent is the row's (PostgreSQL keeps its scale: 100000000000000000000.0).
      assert.equal(rec[0].row.id, '100000000000000000000.0');
      assert.equal(rec[0].row.at, '2026-01-02T00:00:00.000Z');
      assert.deepEqual(await sql(`SELECT amount::int AS amount FROM "${SCHEMA}"."values" WHERE id = 1e20`), [{ amount: 7 }]);
    });
  });

  describe('primary keys and rows', () => {
    it('a text key of 1000 bytes is stored with its child rows; 1001 bytes, in the body or the URL, is a 400 naming it', async () => {
      const l = await createListener(stack.operator, TENANT, serviceId, { name: 'textkeys', sample: { id: 'k', lines: [{ n: 1 }] } });
      const longest = 'k'.repeat(976) + 'é'.repeat(12);
      assert.equal(Buffer.byteLength(longest), 1000);
      assert.equal((await send(l, 'POST', { id: longest, lines: [{ n: 1 }, { n: 2 }] })).status, 202);
      assertProblem(await send(l, 'POST', { id: `${longest}x`, lines: [{ n: 1 }] }), 400, 'body.id');
      assertProblem(await send(l, 'POST', { id: 'é'.repeat(501) }), 400, 'body.id');
      assertProblem(await send(l, 'POST', { id: 'k"'.repeat(334) }), 400, 'body.id');
      // 501 characters, 1002 bytes: within the route's 1000 characters, over the key's 1000 bytes.
      assertProblem(await send(l, 'DELETE', undefined, `/${encodeURIComponent('é'.repeat(501))}`), 400, 'recordId');
      assertProblem(await send(l, 'PATCH', { lines: [] }, `/${encodeURIComponent('é'.repeat(501))}`), 400, 'recordId');
      // The longest key is addressable by URL too: patched through it, and found by the records filter.
      assert.equal((await send(l, 'PATCH', { lines: [{ n: 1 }, { n: 2 }, { n: 3 }] }, `/${encodeURIComponent(longest)}`)).status, 202);
      assert.equal((await send(l, 'POST', { id: 'marker' })).status, 202);
      const rows = await recordsWhen(stack.operator, l, (rs) => rs.some((x) => x.row.id === 'marker') && rs.some((x) => x.row.id === longest && x.children.textkeys_lines.length === 3), 'the long key patched, and the marker');
      assert.equal(rows.length, 2);
      const one = await allRecords(stack.operator, l, `&key.id=${encodeURIComponent(longest)}`);
      assert.deepEqual(one[0].children.textkeys_lines.map((c: { n: number }) => c.n), [1, 2, 3]);
    });

    it('a row PostgreSQL cannot store ("row is too big") is a 400; the same table takes rows that fit', async () => {
      const sample = Object.fromEntries([['id', 1], ...Array.from({ length: 599 }, (_, i) => [`f${i}`, 'x'])]);
      const l = await createListener(stack.operator, TENANT, serviceId, { name: 'wide', sample });
      const filled = (id: number, n: number) => Object.fromEntries([['id', id], ...Array.from({ length: n }, (_, i) => [`f${i}`, `${i}-abcdefghijklmnopqrstuvwxyz`.slice(0, 30)])]);
      const big = await send(l, 'POST', filled(1, 599));
      assertProblem(big, 400, 'body');
      assert.match(big.body.errors[0].message, /PostgreSQL stores at most 8160 bytes per row/);
      assert.equal((await send(l, 'POST', filled(2, 300))).status, 202);
      assert.equal((await send(l, 'POST', { ...sample, id: 3 })).status, 202);
      const rows = await recordsWhen(stack.operator, l, (rs) => rs.length >= 2, 'the rows that fit');
      assert.deepEqual(rows.map((x) => x.row.id).sort(), [2, 3]);
      assert.equal(rows.find((x) => x.row.id === 2).row.f299, '299-abcdefghijklmnopqrstuvwxyz');
    });
  });

  describe('a PATCH of a nested object', () => {
    it('keeps the child rows it does not reach, replaces or clears those it gives', async () => {
      const l = await createListener(stack.operator, TENANT, serviceId, { name: 'gh-issues', baseName: 'gh_issues', sample: github, primaryKey: ['issue.id'] });
      const id = github.issue.id;
      const labels = github.issue.labels.map((x: { name: string }) => x.name);
      const assignees = github.issue.assignees.map((x: { login: string }) => x.login);
      assert.ok(labels.length > 0 && assignees.length > 0);
      assert.equal((await send(l, 'POST', github)).status, 202);
      await recordsWhen(stack.operator, l, (rs) => rs.length === 1, 'the issue');
      const children = async () => ({
        labels: (await sql<{ name: string }>(`SELECT name FROM "${SCHEMA}"."gh_issues_issue_labels" ORDER BY _pos1`)).map((r) => r.name),
        assignees: (await sql<{ login: string }>(`SELECT login FROM "${SCHEMA}"."gh_issues_issue_assignees" ORDER BY _pos1`)).map((r) => r.login),
      });

      assert.equal((await send(l, 'PATCH', { issue: { id, title: 'Renamed' } })).status, 202);
      let [rec] = await recordsWhen(stack.operator, l, (rs) => rs[0]?.row.issue_title === 'Renamed', 'the title patched');
      assert.deepEqual(rec.children.gh_issues_issue_labels.map((x: { name: string }) => x.name), labels);
      assert.deepEqual(rec.children.gh_issues_issue_assignees.map((x: { login: string }) => x.login), assignees);
      assert.deepEqual(await children(), { labels, assignees });

      assert.equal((await send(l, 'PATCH', { issue: { id, labels: [{ name: 'p1' }] } })).status, 202);
      [rec] = await recordsWhen(stack.operator, l, (rs) => rs[0]?.children.gh_issues_issue_labels.length === 1, 'the labels replaced');
      assert.deepEqual(await children(), { labels: ['p1'], assignees });
      assert.equal(rec.row.issue_title, 'Renamed');

      assert.equal((await send(l, 'PATCH', { issue: { id, assignees: null } })).status, 202);
      await recordsWhen(stack.operator, l, (rs) => rs[0]?.children.gh_issues_issue_assignees.length === 0, 'the assignees cleared');
      assert.deepEqual(await children(), { labels: ['p1'], assignees: [] });
    });
  });

  describe('a timestamp key with microseconds', () => {
    it('is found again for a PATCH and a DELETE once it is in the table', async () => {
      const l = await createListener(stack.operator, TENANT, serviceId, { name: 'ticks', sample: { at: '2026-01-01T00:00:00Z', v: 1 }, primaryKey: ['at'] });
      const at = '2026-03-01T10:00:00.123456Z';
      assert.equal((await send(l, 'POST', { at, v: 1 })).status, 202);
      await recordsWhen(stack.operator, l, (r) => r.length === 1, 'the record applied');
      // Applied: the stream no longer holds it, so the table is asked whether it exists.
      await consumersDrained(stack.nats.url, [CONSUMERS.listenerApply]);
      const patched = await send(l, 'PATCH', { v: 2 }, `/${encodeURIComponent(at)}`);
      assert.equal(patched.status, 202, patched.text);
      const rows = await recordsWhen(stack.operator, l, (r) => r[0]?.row.v === 2, 'the PATCH applied');
      assert.equal(rows.length, 1);
      await consumersDrained(stack.nats.url, [CONSUMERS.listenerApply]);
      const deleted = await send(l, 'DELETE', undefined, `/${encodeURIComponent(at)}`);
      assert.equal(deleted.status, 202, deleted.text);
      await recordsWhen(stack.operator, l, (r) => r.length === 0, 'the DELETE applied');
    });
  });

  describe('a value PostgreSQL refuses after the 202', () => {
    it('is dead-lettered at once with an error in the listener\'s log, and the changes after it are applied', async () => {
      const l = await createListener(stack.operator, TENANT, serviceId, { name: 'narrowed', sample: { id: 1, n: 1 } });
      // What the ingest's checks cannot know: the table was changed behind Hookline's back.
      await sql(`ALTER TABLE "${SCHEMA}"."narrowed" ALTER COLUMN n TYPE smallint`);
      const bad = await send(l, 'POST', { id: 1, n: 100_000 });
      assert.equal(bad.status, 202, bad.text);
      assert.equal((await send(l, 'POST', { id: 2, n: 7 })).status, 202);
      const rows = await recordsWhen(stack.operator, l, (r) => r.some((x) => x.row.id === 2), 'record 2 applied', 60_000);
      assert.deepEqual(rows.map((r) => r.row.id), [2], 'record 1 is not stored, record 2 is');
      const entry = await eventually('the refused change in the listener\'s log', async () => {
        const res = await stack.operator.get(`/v1/listener-logs?tenant=${TENANT}&listenerId=${l.id}&state=error`);
        assert.equal(res.status, 200, res.text);
        return (res.body.data as { requestId: string }[]).find((e) => e.requestId === bad.body.requestId) as Record<string, any> | undefined;
      }, 30_000);
      assert.equal(entry.status, 202);
      assert.match(entry.error, /^not applied: PostgreSQL refused it: .*out of range/);
      // Kept on the dead-letter stream, where an operator can see it and send it again.
      const nc = await connect({ servers: stack.nats.url });
      try {
        const info = await (await jetstreamManager(nc)).streams.info(STREAMS.deadLetter.name, { subjects_filter: '>' });
        assert.equal(info.state.subjects?.[subjects.deadLetter(CONSUMERS.listenerApply.durable)], 1);
      } finally {
        await nc.close();
      }
    });
  });

  describe('generated names', () => {
    it('a sample with pg_ and system-column keys and a "pg orders" base name makes tables, and ingests', async () => {
      const sample = { id: 1, pg_txn: 'T-1', xmin: 5, ctid: 'c', lines: [{ pg_line: 1, cmax: 2 }] };
      const gen = await stack.operator.post('/v1/listeners/generate-tables', { tenant: TENANT, sample, baseName: 'pg orders' });
      assert.equal(gen.status, 200, gen.text);
      const s = gen.body.structure;
      assert.deepEqual(s.tables.map((t: { name: string }) => t.name), ['pg_orders', 'pg_orders_lines']);
      assert.deepEqual(s.tables[0].columns.map((c: { name: string }) => c.name), ['id', 'pg_txn', 'xmin_2', 'ctid_2']);
      assert.deepEqual(s.tables[1].columns.map((c: { name: string }) => c.name), ['pg_line', 'cmax_2']);
      const l = await createListener(stack.operator, TENANT, serviceId, { name: 'pg-orders', baseName: 'pg orders', sample });
      assert.equal((await send(l, 'POST', { id: 2, pg_txn: 'T-2', xmin: 6, ctid: 'd', lines: [{ pg_line: 7, cmax: 8 }] })).status, 202);
      const [rec] = await recordsWhen(stack.operator, l, (rs) => rs.length === 1, 'the pg_ record');
      assert.equal(rec.row.pg_txn, 'T-2');
      assert.equal(rec.row.xmin_2, 6);
      assert.equal(rec.row.ctid_2, 'd');
      assert.deepEqual(rec.children.pg_orders_lines.map((c: { pg_line: number; cmax_2: number }) => [c.pg_line, c.cmax_2]), [[7, 8]]);
    });
  });
});
