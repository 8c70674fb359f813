// A JSON record -> the rows it becomes in a listener's tables, checked against the
// structure: each column's value coerced to its type or refused with the field's path
// (a 400 names it), the primary key required, arrays of objects turned into child rows
// with the root's key and their positions. Rows are objects without a prototype and
// keys are only ever read as own properties, so "__proto__" in a payload is just data.
import type { ColumnSpec, ColumnType, KeyValue, ListenerStructure, TableSpec } from '@hookline/contracts';
import { isIsoDateTime } from './generator';
import { describePath, isPlainObject, own } from './json-path';
import type { FieldProblem } from './problems';

export type Row = Record<string, unknown>;

export interface RecordRows {
  key: Record<string, KeyValue>;
  /** Root columns to write: upsert, every column (missing ones null); patch, only those given. */
  root: Row;
  /** Child tables whose rows are replaced (upsert: all; patch: those whose arrays were given), with their new rows. */
  children: Map<string, Row[]>;
}

export type MapResult = { ok: true; rows: RecordRows } | { ok: false; problems: FieldProblem[] };

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
// eslint-disable-next-line no-control-regex -- finding U+0000 is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Where a JSON value holds text PostgreSQL cannot store (jsonb refuses \u0000 and lone surrogates); iterative. */
export function unstorablePath(value: unknown, base: string): string | undefined {
  const stack: [unknown, string][] = [[value, base]];
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return path;
    } else if (Array.isArray(v)) v.forEach((e, i) => stack.push([e, `${path}[${i}]`]));
    else if (isPlainObject(v)) {
      for (const k of Object.keys(v)) {
        if (UNSTORABLE.test(k)) return `${path}.${k}`;
        stack.push([v[k], `${path}.${k}`]);
      }
    }
  }
  return undefined;
}

export type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

/** One value for a column of `type` (null stays null). */
export function coerce(type: ColumnType, v: unknown): Coerced {
  if (v === null || v === undefined) return { ok: true, value: null };
  switch (type) {
    case 'text':
      if (typeof v === 'string') return UNSTORABLE.test(v) ? { ok: false, message: 'must be valid Unicode text without U+0000' } : { ok: true, value: v };
      if (typeof v === 'number' && Number.isFinite(v)) return { ok: true, value: String(v) };
      if (typeof v === 'boolean') return { ok: true, value: String(v) };
      return { ok: false, message: `must be text, got ${kindOf(v)}` };
    case 'numeric':
      if (typeof v === 'number' && Number.isFinite(v)) return { ok: true, value: v };
      if (typeof v === 'string' && v.length <= 1000 && NUMERIC.test(v.trim())) return { ok: true, value: v.trim() };
      return { ok: false, message: `must be a number, got ${kindOf(v)}` };
    case 'boolean':
      if (typeof v === 'boolean') return { ok: true, value: v };
      return { ok: false, message: `must be true or false, got ${kindOf(v)}` };
    case 'timestamptz':
      if (typeof v === 'string' && isIsoDateTime(v)) return { ok: true, value: v };
      return { ok: false, message: `must be an ISO 8601 date-time with a time zone (2026-01-31T12:00:00Z), got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : kindOf(v)}` };
    case 'jsonb':
      return { ok: true, value: v };
  }
}

/** A key value in one canonical form, so 42 and "42" (numeric) name the same record. */
export function canonicalKey(type: ColumnType, v: unknown): KeyValue {
  if (type === 'numeric') {
    const n = Number(v);
    return Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER ? n : String(v);
  }
  if (type === 'boolean') return v === true || v === 'true';
  if (type === 'timestamptz' && v instanceof Date) return v.toISOString();
  if (type === 'timestamptz' && typeof v === 'string' && !/\.\d{4,}/.test(v)) return new Date(v).toISOString();
  return String(v);
}

function keyTypeOf(structure: ListenerStructure, name: string): ColumnType {
  return structure.tables[0].columns.find((c) => c.name === name)?.type ?? 'text';
}

/** The record's primary key from its fields; problems name the missing or bad ones. */
export function keyOfRecord(structure: ListenerStructure, record: Row, field: string): { ok: true; key: Record<string, KeyValue> } | { ok: false; problems: FieldProblem[] } {
  const root = structure.tables[0];
  const key: Record<string, KeyValue> = Object.create(null);
  const problems: FieldProblem[] = [];
  for (const name of structure.primaryKey) {
    const col = root.columns.find((c) => c.name === name) as ColumnSpec;
    const v = valueAt(record, col.source);
    const f = `${field}.${describePath(col.source)}`;
    if (v.state !== 'value' || v.value === null) {
      problems.push({ field: f, message: 'is required: it is (part of) the primary key' });
      continue;
    }
    const c = coerce(col.type, v.value);
    if (!c.ok) problems.push({ field: f, message: c.message });
    else key[name] = canonicalKey(col.type, c.value);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, key };
}

/**
 * A key from the URL: DELETE /hooks/s/l/{recordId} for a one-column key, or
 * ?<column>=…&… naming every key column (composite keys).
 */
export function keyFromRequest(structure: ListenerStructure, recordId: string | undefined, query: Record<string, string | undefined>): { ok: true; key: Record<string, KeyValue> } | { ok: false; problems: FieldProblem[] } {
  const key: Record<string, KeyValue> = Object.create(null);
  const problems: FieldProblem[] = [];
  const pk = structure.primaryKey;
  if (recordId !== undefined) {
    if (pk.length !== 1) return { ok: false, problems: [{ field: 'recordId', message: `the key has ${pk.length} columns: give them as query parameters ?${pk.map((k) => `${k}=…`).join('&')}` }] };
    const c = coerce(keyTypeOf(structure, pk[0]), recordId);
    if (!c.ok) return { ok: false, problems: [{ field: 'recordId', message: c.message }] };
    key[pk[0]] = canonicalKey(keyTypeOf(structure, pk[0]), c.value);
    return { ok: true, key };
  }
  for (const name of pk) {
    const raw = Object.prototype.hasOwnProperty.call(query, name) ? query[name] : undefined;
    const type = keyTypeOf(structure, name);
    if (raw === undefined || raw === '') {
      problems.push({ field: name, message: 'is required (a primary key column)' });
      continue;
    }
    const c = coerce(type, type === 'boolean' ? (raw === 'true' ? true : raw === 'false' ? false : raw) : raw);
    if (!c.ok) problems.push({ field: name, message: c.message });
    else key[name] = canonicalKey(type, c.value);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, key };
}

type Lookup = { state: 'absent' } | { state: 'value'; value: unknown } | { state: 'blocked'; at: string[]; value: unknown };

/** The value at a path: absent, present (maybe null), or blocked by a null / non-object on the way. */
function valueAt(obj: Row, source: readonly string[]): Lookup {
  let cur: unknown = obj;
  for (let i = 0; i < source.length; i++) {
    if (!isPlainObject(cur)) return { state: 'blocked', at: source.slice(0, i), value: cur };
    if (!Object.prototype.hasOwnProperty.call(cur, source[i])) return { state: 'absent' };
    cur = cur[source[i]];
  }
  return { state: 'value', value: cur };
}

function mapColumns(t: TableSpec, obj: Row, field: string, patch: boolean, row: Row, problems: FieldProblem[]): void {
  for (const col of t.columns) {
    if (col.source.length === 0) {
      // A table of arrays whose elements have no scalar fields keeps each element whole.
      row[col.name] = obj;
      continue;
    }
    const v = valueAt(obj, col.source);
    const f = `${field}.${describePath(col.source)}`;
    if (v.state === 'absent') {
      if (!patch) row[col.name] = null;
      continue;
    }
    if (v.state === 'blocked') {
      // {"user": null} clears user_login and user_id; {"user": 5} does not fit.
      if (v.value === null || v.value === undefined) {
        row[col.name] = null;
        continue;
      }
      const at = `${field}.${describePath(v.at)}`;
      if (!problems.some((p) => p.field === at)) problems.push({ field: at, message: `must be an object, got ${kindOf(v.value)}` });
      continue;
    }
    const c = coerce(col.type, v.value);
    if (!c.ok) {
      problems.push({ field: f, message: c.message });
      continue;
    }
    if (col.type === 'jsonb') {
      const bad = unstorablePath(c.value, f);
      if (bad) {
        problems.push({ field: bad, message: 'must be valid Unicode text without U+0000' });
        continue;
      }
    }
    row[col.name] = c.value;
  }
}

function childRows(structure: ListenerStructure, table: TableSpec, parents: { obj: Row; positions: number[]; field: string }[], key: Record<string, KeyValue>, out: Map<string, Row[]>, problems: FieldProblem[]): void {
  const rows: Row[] = out.get(table.name) ?? [];
  out.set(table.name, rows);
  const elements: { obj: Row; positions: number[]; field: string }[] = [];
  for (const p of parents) {
    const v = valueAt(p.obj, table.path);
    const f = `${p.field}.${describePath(table.path)}`;
    if (v.state === 'absent' || v.value === null || v.value === undefined) continue;
    if (v.state === 'blocked' || !Array.isArray(v.value)) {
      problems.push({ field: f, message: `must be an array of objects, got ${kindOf(v.value)}` });
      continue;
    }
    v.value.forEach((e, i) => {
      if (e === null) return;
      if (!isPlainObject(e)) {
        problems.push({ field: `${f}[${i}]`, message: `must be an object, got ${kindOf(e)}` });
        return;
      }
      const row: Row = Object.create(null);
      (table.keyColumns ?? []).forEach((k, j) => (row[k] = key[structure.primaryKey[j]]));
      const positions = [...p.positions, i + 1];
      (table.positionColumns ?? []).forEach((c, j) => (row[c] = positions[j]));
      mapColumns(table, e, `${f}[${i}]`, false, row, problems);
      rows.push(row);
      elements.push({ obj: e, positions, field: `${f}[${i}]` });
    });
  }
  for (const child of structure.tables.filter((c) => c.parent === table.name)) childRows(structure, child, elements, key, out, problems);
}

/**
 * The rows of one record. `field` prefixes field names in problems (e.g. "body" or
 * "body.data.items[3]"). A patch writes only the root columns whose fields it gives and
 * replaces only the child tables whose arrays it gives.
 */
export function mapRecord(structure: ListenerStructure, record: unknown, mode: 'upsert' | 'patch', field: string): MapResult {
  if (!isPlainObject(record)) return { ok: false, problems: [{ field, message: `must be an object (a record), got ${kindOf(record)}` }] };
  const k = keyOfRecord(structure, record, field);
  const problems: FieldProblem[] = k.ok ? [] : [...k.problems];
  const root = structure.tables[0];
  const row: Row = Object.create(null);
  mapColumns(root, record, field, mode === 'patch', row, problems);
  const children = new Map<string, Row[]>();
  const key = k.ok ? k.key : {};
  for (const t of structure.tables.filter((c) => c.parent === root.name)) {
    if (mode === 'patch' && own(record, t.path[0]) === undefined) continue;
    childRows(structure, t, [{ obj: record, positions: [], field }], key, children, problems);
  }
  if (problems.length > 0) {
    // The key's columns are checked as the key and again as columns: say each problem once.
    const seen = new Set<string>();
    const once = problems.filter((q) => !seen.has(`${q.field}\u0000${q.message}`) && seen.add(`${q.field}\u0000${q.message}`));
    return { ok: false, problems: once.slice(0, 20) };
  }
  return { ok: true, rows: { key, root: row, children } };
}

/** Merges patch fields into a record (objects deeply, everything else replaced), without touching prototypes. */
export function mergeRecords(base: Row, patch: Row): Row {
  const out: Row = Object.create(null);
  for (const k of Object.keys(base)) Object.defineProperty(out, k, { value: base[k], enumerable: true, writable: true, configurable: true });
  for (const k of Object.keys(patch)) {
    const b = Object.prototype.hasOwnProperty.call(out, k) ? out[k] : undefined;
    const v = patch[k];
    const merged = isPlainObject(b) && isPlainObject(v) ? mergeRecords(b, v) : v;
    Object.defineProperty(out, k, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
