// SQL for writing and reading a listener's tables, many rows per statement: the rows go
// in as one jsonb parameter and come out of jsonb_to_recordset typed by the structure,
// so a batch of changes costs a handful of statements and no value is ever spliced into
// the text. Identifiers are quoted (escapeIdentifier) and schema-qualified.
import { escapeIdentifier } from 'pg';
import { LAST_MODIFIED_COLUMN, type ColumnType, type ListenerStructure, type TableSpec } from '@hookline/contracts';
import { keyTypes, qualified, SQL_TYPES } from './ddl';
import type { Row } from './records';

const q = escapeIdentifier;

export interface Sql {
  text: string;
  values: unknown[];
}

/**
 * The planner costs of a transaction that looks records up by key (SET LOCAL: they end
 * with it). Every statement here joins a batch's keys (jsonb_to_recordset, unnest) to a
 * table's primary key; with PostgreSQL's default random_page_cost (4, a disk that seeks)
 * a hash join over a scan of the whole table looked cheaper than 200 index lookups up to
 * tens of thousands of rows, where it took 10-40 ms against under 1 ms (the listener
 * bench, 6 December). The tables live in shared buffers or on SSD: 1.1 is the usual
 * setting for that, and index lookups win from the first hundred rows.
 */
export const KEY_LOOKUP_COSTS = 'SET LOCAL random_page_cost = 1.1';

/** How long the statements of this transaction wait for a lock, in whole milliseconds (at least 1: 0 would mean forever). */
export function lockTimeoutSql(ms: number): string {
  return `SET LOCAL lock_timeout = ${Math.max(1, Math.round(ms))}`;
}

function defs(cols: { name: string; type: ColumnType | 'integer' }[]): string {
  return cols.map((c) => `${q(c.name)} ${c.type === 'integer' ? 'integer' : SQL_TYPES[c.type]}`).join(', ');
}

function rootKeyDefs(s: ListenerStructure): { name: string; type: ColumnType }[] {
  const types = keyTypes(s);
  return s.primaryKey.map((name, i) => ({ name, type: types[i] }));
}

/**
 * The root's key columns as a statement hands them back: a timestamptz key as ISO text to
 * the microsecond (pg would make it a Date, to the millisecond, and a key with
 * microseconds would then not match its record key: canonicalKey keeps them).
 */
function keyOutput(s: ListenerStructure, alias: string): string {
  const types = keyTypes(s);
  return s.primaryKey
    .map((k, i) => (types[i] === 'timestamptz' ? `to_char(${alias}.${q(k)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${q(k)}` : `${alias}.${q(k)}`))
    .join(', ');
}

function keyMatch(alias: string, other: string, names: readonly string[], otherNames: readonly string[] = names): string {
  return names.map((n, i) => `${alias}.${q(n)} = ${other}.${q(otherNames[i])}`).join(' AND ');
}

/** Insert-or-replace of root rows (each with every column and last_modified). */
export function upsertRootsSql(schema: string, s: ListenerStructure, rows: Row[]): Sql {
  const root = s.tables[0];
  const cols = [...root.columns.map((c) => ({ name: c.name, type: c.type as ColumnType })), { name: LAST_MODIFIED_COLUMN, type: 'timestamptz' as ColumnType }];
  const names = cols.map((c) => q(c.name)).join(', ');
  const updates = cols.filter((c) => !s.primaryKey.includes(c.name)).map((c) => `${q(c.name)} = EXCLUDED.${q(c.name)}`);
  return {
    text: `INSERT INTO ${qualified(schema, root.name)} (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS x(${defs(cols)}) ON CONFLICT (${s.primaryKey.map(q).join(', ')}) DO UPDATE SET ${updates.join(', ')}`,
    values: [JSON.stringify(rows)],
  };
}

/**
 * Updates only the given root columns (and last_modified) of existing rows; returns the
 * keys it found, so a patch of a record that is gone can be reported.
 */
export function patchRootsSql(schema: string, s: ListenerStructure, columns: readonly string[], rows: Row[]): Sql {
  const root = s.tables[0];
  const set = [...columns.filter((c) => !s.primaryKey.includes(c)), LAST_MODIFIED_COLUMN];
  const cols = [...rootKeyDefs(s), ...set.map((name) => ({ name, type: (name === LAST_MODIFIED_COLUMN ? 'timestamptz' : root.columns.find((c) => c.name === name)?.type) as ColumnType }))];
  return {
    text: `UPDATE ${qualified(schema, root.name)} AS t SET ${set.map((c) => `${q(c)} = x.${q(c)}`).join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${defs(cols)}) WHERE ${keyMatch('t', 'x', s.primaryKey)} RETURNING ${keyOutput(s, 't')}`,
    values: [JSON.stringify(rows)],
  };
}

/** Deletes root rows by key (their children go with them: ON DELETE CASCADE); returns the keys deleted. */
export function deleteRootsSql(schema: string, s: ListenerStructure, keys: Row[]): Sql {
  const root = s.tables[0];
  return {
    text: `DELETE FROM ${qualified(schema, root.name)} AS t USING jsonb_to_recordset($1::jsonb) AS x(${defs(rootKeyDefs(s))}) WHERE ${keyMatch('t', 'x', s.primaryKey)} RETURNING ${keyOutput(s, 't')}`,
    values: [JSON.stringify(keys)],
  };
}

/** Deletes the rows of a first-level child table that belong to these roots (deeper tables cascade). */
export function deleteChildrenSql(schema: string, s: ListenerStructure, table: TableSpec, keys: Row[]): Sql {
  const keyCols = table.keyColumns ?? [];
  const kd = rootKeyDefs(s);
  return {
    text: `DELETE FROM ${qualified(schema, table.name)} AS c USING jsonb_to_recordset($1::jsonb) AS x(${defs(kd)}) WHERE ${keyMatch('c', 'x', keyCols, s.primaryKey)}`,
    values: [JSON.stringify(keys)],
  };
}

function childCols(s: ListenerStructure, table: TableSpec): { name: string; type: ColumnType | 'integer' }[] {
  const types = keyTypes(s);
  return [
    ...(table.keyColumns ?? []).map((name, i) => ({ name, type: types[i] as ColumnType | 'integer' })),
    ...(table.positionColumns ?? []).map((name) => ({ name, type: 'integer' as const })),
    ...table.columns.map((c) => ({ name: c.name, type: c.type as ColumnType | 'integer' })),
  ];
}

export function insertChildrenSql(schema: string, s: ListenerStructure, table: TableSpec, rows: Row[]): Sql {
  const cols = childCols(s, table);
  const names = cols.map((c) => q(c.name)).join(', ');
  return { text: `INSERT INTO ${qualified(schema, table.name)} (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS x(${defs(cols)})`, values: [JSON.stringify(rows)] };
}

/** Which of these keys have a root row. */
export function existingKeysSql(schema: string, s: ListenerStructure, keys: Row[]): Sql {
  const root = s.tables[0];
  return {
    text: `SELECT ${keyOutput(s, 't')} FROM ${qualified(schema, root.name)} AS t JOIN jsonb_to_recordset($1::jsonb) AS x(${defs(rootKeyDefs(s))}) ON ${keyMatch('t', 'x', s.primaryKey)}`,
    values: [JSON.stringify(keys)],
  };
}

export interface RecordQuery {
  /** Exact values for some key columns. */
  key?: Row;
  modifiedFrom?: string;
  modifiedTo?: string;
  /** Keyset: rows strictly before this (last_modified, key...) in newest-first order. */
  after?: { lastModified: string; key: unknown[] };
  limit: number;
}

/** Root rows, newest first (last_modified, then key, descending). */
export function selectRootsSql(schema: string, s: ListenerStructure, query: RecordQuery): Sql {
  const root = s.tables[0];
  const types = keyTypes(s);
  const values: unknown[] = [];
  const p = (v: unknown, type: string) => {
    values.push(v);
    return `$${values.length}::${type}`;
  };
  const where: string[] = [];
  for (const [i, k] of s.primaryKey.entries()) {
    if (query.key && Object.prototype.hasOwnProperty.call(query.key, k)) where.push(`${q(k)} = ${p(query.key[k], SQL_TYPES[types[i]])}`);
  }
  if (query.modifiedFrom) where.push(`${q(LAST_MODIFIED_COLUMN)} >= ${p(query.modifiedFrom, 'timestamptz')}`);
  if (query.modifiedTo) where.push(`${q(LAST_MODIFIED_COLUMN)} < ${p(query.modifiedTo, 'timestamptz')}`);
  const order = [LAST_MODIFIED_COLUMN, ...s.primaryKey];
  if (query.after) {
    const afterVals = [p(query.after.lastModified, 'timestamptz'), ...s.primaryKey.map((_, i) => p(query.after?.key[i], SQL_TYPES[types[i]]))];
    where.push(`(${order.map(q).join(', ')}) < (${afterVals.join(', ')})`);
  }
  const cols = [...root.columns.map((c) => q(c.name)), q(LAST_MODIFIED_COLUMN)].join(', ');
  return {
    text: `SELECT ${cols} FROM ${qualified(schema, root.name)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order.map((c) => `${q(c)} DESC`).join(', ')} LIMIT ${p(query.limit, 'integer')}`,
    values,
  };
}

/** The rows of a child table (any depth) that belong to these roots, in position order. */
export function selectChildrenSql(schema: string, s: ListenerStructure, table: TableSpec, keys: Row[]): Sql {
  const keyCols = table.keyColumns ?? [];
  const cols = [...keyCols, ...(table.positionColumns ?? []), ...table.columns.map((c) => c.name)];
  return {
    text: `SELECT ${cols.map((c) => `c.${q(c)}`).join(', ')} FROM ${qualified(schema, table.name)} AS c JOIN jsonb_to_recordset($1::jsonb) AS x(${defs(rootKeyDefs(s))}) ON ${keyMatch('c', 'x', keyCols, s.primaryKey)} ORDER BY ${[...keyCols, ...(table.positionColumns ?? [])].map((c) => `c.${q(c)}`).join(', ')}`,
    values: [JSON.stringify(keys)],
  };
}

/** One batch of the retention purge: root rows older than the cutoff (children cascade). */
export function purgeBatchSql(schema: string, s: ListenerStructure, cutoff: string, limit: number): Sql {
  const t = qualified(schema, s.tables[0].name);
  return {
    text: `DELETE FROM ${t} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${t} WHERE ${q(LAST_MODIFIED_COLUMN)} < $1::timestamptz LIMIT $2::integer))`,
    values: [cutoff, limit],
  };
}
