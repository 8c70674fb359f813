// SQL text for a migration. Every identifier goes through pg's escapeIdentifier (double
// quotes, inner quotes doubled) and names were already validated (nameProblem); no value
// from a request is ever part of the text. Each statement is schema-qualified with the
// tenant's schema, so a structure can only ever touch tables there.
import { escapeIdentifier } from 'pg';
import { LAST_MODIFIED_COLUMN, type ColumnType, type ListenerStructure, type TableSpec } from '@hookline/contracts';
import type { MigrationOp } from './migration';

const q = escapeIdentifier;

export const SQL_TYPES: Record<ColumnType, string> = { text: 'text', numeric: 'numeric', boolean: 'boolean', timestamptz: 'timestamptz', jsonb: 'jsonb' };

export function qualified(schema: string, table: string): string {
  return `${q(schema)}.${q(table)}`;
}

/** The columns a child's foreign key references in its parent: the root's key, or the parent's key and position columns. */
export function referencedColumns(structure: ListenerStructure, parent: TableSpec): string[] {
  return parent.parent === null ? structure.primaryKey : [...(parent.keyColumns ?? []), ...(parent.positionColumns ?? [])];
}

export function keyTypes(structure: ListenerStructure): ColumnType[] {
  const root = structure.tables[0];
  return structure.primaryKey.map((k) => root.columns.find((c) => c.name === k)?.type ?? 'text');
}

function createTable(schema: string, structure: ListenerStructure, t: TableSpec): string[] {
  const cols: string[] = [];
  if (t.parent === null) {
    for (const c of t.columns) cols.push(`${q(c.name)} ${SQL_TYPES[c.type]}`);
    cols.push(`${q(LAST_MODIFIED_COLUMN)} timestamptz NOT NULL`);
    cols.push(`PRIMARY KEY (${structure.primaryKey.map(q).join(', ')})`);
    return [`CREATE TABLE ${qualified(schema, t.name)} (${cols.join(', ')})`, `CREATE INDEX ON ${qualified(schema, t.name)} (${q(LAST_MODIFIED_COLUMN)})`];
  }
  const parent = structure.tables.find((p) => p.name === t.parent) as TableSpec;
  const keys = t.keyColumns ?? [];
  const positions = t.positionColumns ?? [];
  const types = keyTypes(structure);
  keys.forEach((k, i) => cols.push(`${q(k)} ${SQL_TYPES[types[i]]} NOT NULL`));
  for (const p of positions) cols.push(`${q(p)} integer NOT NULL`);
  for (const c of t.columns) cols.push(`${q(c.name)} ${SQL_TYPES[c.type]}`);
  cols.push(`PRIMARY KEY (${[...keys, ...positions].map(q).join(', ')})`);
  const own = [...keys, ...positions.slice(0, -1)];
  cols.push(`FOREIGN KEY (${own.map(q).join(', ')}) REFERENCES ${qualified(schema, parent.name)} (${referencedColumns(structure, parent).map(q).join(', ')}) ON DELETE CASCADE`);
  return [`CREATE TABLE ${qualified(schema, t.name)} (${cols.join(', ')})`];
}

/** The statements of a migration, in order. */
export function migrationSql(schema: string, structure: ListenerStructure, ops: readonly MigrationOp[]): string[] {
  const out: string[] = [];
  for (const o of ops) {
    switch (o.op) {
      case 'create-schema':
        out.push(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
        break;
      case 'create-table':
        out.push(...createTable(schema, structure, o.table));
        break;
      case 'add-column':
        out.push(`ALTER TABLE ${qualified(schema, o.table)} ADD COLUMN ${q(o.column.name)} ${SQL_TYPES[o.column.type]}`);
        break;
      case 'widen-column':
        out.push(`ALTER TABLE ${qualified(schema, o.table)} ALTER COLUMN ${q(o.column)} TYPE ${o.to} USING ${o.to === 'jsonb' ? `to_jsonb(${q(o.column)})` : `${q(o.column)}::text`}`);
        break;
    }
  }
  return out;
}

/** Drops a listener's tables (children first; CASCADE for foreign keys). */
export function dropTablesSql(schema: string, structure: ListenerStructure): string[] {
  return [...structure.tables].reverse().map((t) => `DROP TABLE IF EXISTS ${qualified(schema, t.name)} CASCADE`);
}
