// Reads of a listener's tables in the tenant's schema, through the SQL of
// @hookline/listener-tables (quoted identifiers, values as parameters).
import { Injectable } from '@nestjs/common';
import { escapeIdentifier } from 'pg';
import { DataSource } from 'typeorm';
import { LAST_MODIFIED_COLUMN, recordKeyOf, type KeyValue, type ListenerStructure, type TableSpec } from '@hookline/contracts';
import { canonicalKey, existingKeysSql, KEY_LOOKUP_COSTS, keyTypes, lockTimeoutSql, selectChildrenSql, selectRootsSql, type RecordQuery, type Row, type Sql } from '@hookline/listener-tables';

const q = escapeIdentifier;

/**
 * A statement's rows with these timestamptz key columns as their record key (canonicalKey
 * of the instant as ISO text to the microsecond). pg would hand them back as Dates, to the
 * millisecond: two keys in one millisecond would then look alike, and a key with
 * microseconds would not find its child rows. The columns come out under extra names no
 * generated column can have (names are letters, digits and "_"), in the same order.
 */
function withKeyText(sql: Sql, columns: readonly string[], order: string): { sql: Sql; read: (rows: Row[]) => Row[] } {
  if (columns.length === 0) return { sql, read: (rows) => rows };
  const alias = (i: number) => `#key ${i}`;
  const texts = columns.map((c, i) => `to_char(r.${q(c)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${q(alias(i))}`);
  return {
    sql: { text: `SELECT r.*, ${texts.join(', ')} FROM (${sql.text}) AS r ORDER BY ${order}`, values: sql.values },
    read: (rows) =>
      rows.map((r) => {
        columns.forEach((c, i) => {
          r[c] = r[alias(i)] === null ? null : canonicalKey('timestamptz', r[alias(i)]);
          delete r[alias(i)];
        });
        return r;
      }),
  };
}

@Injectable()
export class RecordsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The record keys (recordKeyOf) of these keys that have a root row. Waits at most
   * `lockTimeoutMs` for a lock on the table (a migration rewriting it, the host
   * application): past that PostgreSQL answers lock_not_available (55P03), which the
   * ingest turns into a 503 the sender retries, instead of holding its request for as
   * long as the lock is held.
   */
  async existingKeys(schema: string, s: ListenerStructure, keys: Record<string, KeyValue>[], lockTimeoutMs: number): Promise<Set<string>> {
    const sql = existingKeysSql(schema, s, keys);
    const rows: Row[] = await this.dataSource.transaction(async (em) => {
      await em.query(`${lockTimeoutSql(lockTimeoutMs)}; ${KEY_LOOKUP_COSTS}`);
      return em.query(sql.text, sql.values);
    });
    const types = keyTypes(s);
    return new Set(rows.map((r) => recordKeyOf(s.primaryKey, Object.fromEntries(s.primaryKey.map((k, i) => [k, canonicalKey(types[i], r[k])])))));
  }

  /** Root rows, newest first; timestamptz key columns as their record key (withKeyText). */
  async roots(schema: string, s: ListenerStructure, query: RecordQuery): Promise<Row[]> {
    const types = keyTypes(s);
    const order = [LAST_MODIFIED_COLUMN, ...s.primaryKey].map((c) => `r.${q(c)} DESC`).join(', ');
    const { sql, read } = withKeyText(selectRootsSql(schema, s, query), s.primaryKey.filter((_, i) => types[i] === 'timestamptz'), order);
    return read(await this.dataSource.query(sql.text, sql.values));
  }

  /**
   * The child rows of these roots (keys as roots() hands them back), in position order;
   * timestamptz key columns as their record key (withKeyText).
   */
  async children(schema: string, s: ListenerStructure, t: TableSpec, keys: Row[]): Promise<Row[]> {
    const types = keyTypes(s);
    const keyCols = t.keyColumns ?? [];
    const order = [...keyCols, ...(t.positionColumns ?? [])].map((c) => `r.${q(c)}`).join(', ');
    const { sql, read } = withKeyText(selectChildrenSql(schema, s, t, keys), keyCols.filter((_, i) => types[i] === 'timestamptz'), order);
    return read(await this.dataSource.query(sql.text, sql.values));
  }
}
