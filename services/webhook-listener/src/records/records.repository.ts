// Reads of a listener's tables in the tenant's schema, through the SQL of
// @hookline/listener-tables (quoted identifiers, values as parameters).
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { recordKeyOf, type KeyValue, type ListenerStructure, type TableSpec } from '@hookline/contracts';
import { canonicalKey, existingKeysSql, keyTypes, selectChildrenSql, selectRootsSql, type RecordQuery, type Row } from '@hookline/listener-tables';

@Injectable()
export class RecordsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The record keys (recordKeyOf) of these keys that have a root row. */
  async existingKeys(schema: string, s: ListenerStructure, keys: Record<string, KeyValue>[]): Promise<Set<string>> {
    const sql = existingKeysSql(schema, s, keys);
    const rows: Row[] = await this.dataSource.query(sql.text, sql.values);
    const types = keyTypes(s);
    return new Set(rows.map((r) => recordKeyOf(s.primaryKey, Object.fromEntries(s.primaryKey.map((k, i) => [k, canonicalKey(types[i], r[k])])))));
  }

  roots(schema: string, s: ListenerStructure, q: RecordQuery): Promise<Row[]> {
    const sql = selectRootsSql(schema, s, q);
    return this.dataSource.query(sql.text, sql.values);
  }

  children(schema: string, s: ListenerStructure, t: TableSpec, keys: Row[]): Promise<Row[]> {
    const sql = selectChildrenSql(schema, s, t, keys);
    return this.dataSource.query(sql.text, sql.values);
  }
}
