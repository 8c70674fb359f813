// The writes of an apply batch, in one transaction: record locks and versions, then per
// listener a handful of set-based statements (deletes, child replacement, root upserts,
// patches) built by @hookline/listener-tables.
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { structureFingerprint, tenantSchema, type ListenerChangeState, type ListenerStructure } from '@hookline/contracts';
import {
  canonicalKey,
  deleteChildrenSql,
  deleteRootsSql,
  insertChildrenSql,
  keyTypes,
  mapRecord,
  patchRootsSql,
  upsertRootsSql,
  type RecordRows,
  type Row,
  type Sql,
} from '@hookline/listener-tables';
import { LAST_MODIFIED_COLUMN, recordKeyOf } from '@hookline/contracts';
import type { BatchPlan, Effect, Item, Version } from './apply-plan';
import { versionKey } from './apply-plan';

/** TypeORM answers UPDATE and DELETE with [rows, rowCount], everything else with rows. */
export function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as Row[];
  return result as Row[];
}

/** The version rows of these records (listener ids and record keys, pairwise). */
export function recordVersionsSql(listenerIds: string[], recordKeys: string[]): Sql {
  return {
    text: `SELECT v.listener_id, v.record_key, v.seq::text AS seq, v.deleted, v.recent FROM listener_record_versions v JOIN unnest($1::uuid[], $2::text[]) AS x(l, k) ON v.listener_id = x.l AND v.record_key = x.k`,
    values: [listenerIds, recordKeys],
  };
}

@Injectable()
export class ApplyRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Locks the records (advisory, in a fixed order, so two instances never interleave on
   * one record) and reads their versions.
   */
  async lockVersions(em: EntityManager, keys: { listenerId: string; recordKey: string }[]): Promise<Map<string, Version>> {
    const out = new Map<string, Version>();
    if (keys.length === 0) return out;
    const ids = keys.map((k) => k.listenerId);
    const rks = keys.map((k) => k.recordKey);
    await em.query(
      `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(l::text || '/' || k, 7) AS h FROM unnest($1::uuid[], $2::text[]) AS x(l, k) ORDER BY 1) s`,
      [ids, rks],
    );
    const read = recordVersionsSql(ids, rks);
    const rows: { listener_id: string; record_key: string; seq: string; deleted: boolean; recent: string[] }[] = await em.query(read.text, read.values);
    for (const r of rows) out.set(versionKey(r.listener_id, r.record_key), { seq: Number(r.seq), deleted: r.deleted, recent: r.recent });
    return out;
  }

  async saveVersions(em: EntityManager, versions: BatchPlan['versions'], now: Date): Promise<void> {
    if (versions.length === 0) return;
    await em.query(
      `INSERT INTO listener_record_versions (listener_id, record_key, tenant_id, seq, deleted, recent, updated_at)
       SELECT l, k, t, s, d, r, $7 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::boolean[], $6::jsonb[]) AS x(l, k, t, s, d, r)
       ON CONFLICT (listener_id, record_key) DO UPDATE SET seq = EXCLUDED.seq, deleted = EXCLUDED.deleted, recent = EXCLUDED.recent, updated_at = EXCLUDED.updated_at
       WHERE listener_record_versions.seq < EXCLUDED.seq`,
      [
        versions.map((v) => v.listenerId),
        versions.map((v) => v.recordKey),
        versions.map((v) => v.tenantId),
        versions.map((v) => v.seq),
        versions.map((v) => v.deleted),
        versions.map((v) => JSON.stringify(v.recent)),
        now,
      ],
    );
  }

  /**
   * Writes one listener's effects; returns the changes that could not apply, with why, and
   * how many were applied as accepted under an earlier structure.
   *
   * Only a structure changed since a record was accepted can make it not fit (a migration
   * keeps every table and column, and only widens types, but a field the old tables
   * ignored can have a column of its own now): such a record is mapped leniently, what no
   * longer fits left out, as the tables it was accepted for would have stored it. The
   * caller has brought the view up to date first, so the structure here is the newest.
   */
  async execute(em: EntityManager, l: ListenerChangeState, effects: Effect[]): Promise<{ failed: { item: Item; error: string }[]; lenient: number }> {
    const s = l.structure as ListenerStructure;
    const current = structureFingerprint(s);
    const schema = tenantSchema(l.tenant);
    const failed: { item: Item; error: string }[] = [];
    let lenient = 0;
    const run = async (sql: Sql): Promise<Row[]> => rowsOf(await em.query(sql.text, sql.values));
    const keyRow = (e: Effect): Row => ({ ...e.key });
    const mapped = (e: Effect, mode: 'upsert' | 'patch'): RecordRows | undefined => {
      let m = mapRecord(s, e.record ?? {}, mode, 'body');
      if (!m.ok && e.items.some((i) => i.msg.structure !== current)) {
        m = mapRecord(s, e.record ?? {}, mode, 'body', { lenient: true });
        if (m.ok) lenient += e.items.length;
      }
      if (m.ok) return m.rows;
      for (const item of e.items) failed.push({ item, error: `not applied: ${m.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}` });
      return undefined;
    };
    const root = s.tables[0];
    const firstLevel = s.tables.filter((t) => t.parent === root.name);

    const deletes = effects.filter((e) => e.kind === 'delete');
    if (deletes.length > 0) await run(deleteRootsSql(schema, s, deletes.map(keyRow)));

    const upserts = effects.filter((e) => e.kind === 'upsert').map((e) => ({ e, rows: mapped(e, 'upsert') })).filter((x): x is { e: Effect; rows: RecordRows } => x.rows !== undefined);
    if (upserts.length > 0) {
      const keys = upserts.map((u) => keyRow(u.e));
      for (const t of firstLevel) await run(deleteChildrenSql(schema, s, t, keys));
      await run(upsertRootsSql(schema, s, upserts.map((u) => ({ ...u.rows.root, [LAST_MODIFIED_COLUMN]: u.e.lastModified }))));
      await this.insertChildren(run, schema, s, upserts.map((u) => u.rows));
    }

    const patches = effects.filter((e) => e.kind === 'patch').map((e) => ({ e, rows: mapped(e, 'patch') })).filter((x): x is { e: Effect; rows: RecordRows } => x.rows !== undefined);
    if (patches.length > 0) {
      // One UPDATE per set of columns given.
      const groups = new Map<string, typeof patches>();
      for (const p of patches) {
        const cols = Object.keys(p.rows.root).sort().join('\u0000');
        const group = groups.get(cols);
        if (group) group.push(p);
        else groups.set(cols, [p]);
      }
      const types = keyTypes(s);
      const found = new Set<string>();
      for (const [cols, group] of groups) {
        const columns = cols ? cols.split('\u0000') : [];
        const rows = await run(patchRootsSql(schema, s, columns, group.map((p) => ({ ...p.rows.root, ...p.e.key, [LAST_MODIFIED_COLUMN]: p.e.lastModified }))));
        for (const r of rows) found.add(recordKeyOf(s.primaryKey, Object.fromEntries(s.primaryKey.map((k, i) => [k, canonicalKey(types[i], r[k])]))));
      }
      const applied = patches.filter((p) => found.has(p.e.recordKey));
      for (const p of patches) if (!found.has(p.e.recordKey)) for (const item of p.e.items) failed.push({ item, error: `PATCH not applied: record ${p.e.recordKey} no longer exists` });
      for (const t of firstLevel) {
        const given = applied.filter((p) => p.rows.children.has(t.name));
        if (given.length > 0) await run(deleteChildrenSql(schema, s, t, given.map((p) => keyRow(p.e))));
      }
      await this.insertChildren(run, schema, s, applied.map((p) => p.rows));
    }
    return { failed, lenient };
  }

  private async insertChildren(run: (sql: Sql) => Promise<Row[]>, schema: string, s: ListenerStructure, all: RecordRows[]): Promise<void> {
    for (const t of s.tables.slice(1)) {
      const rows = all.flatMap((r) => r.children.get(t.name) ?? []);
      if (rows.length > 0) await run(insertChildrenSql(schema, s, t, rows));
    }
  }
}
