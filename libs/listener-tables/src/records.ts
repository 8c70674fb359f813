// A JSON record -> the rows it becomes in a listener's tables, checked against the
// structure: each column's value coerced to its type or refused with the field's path
// (a 400 names it), the primary key required, arrays of objects turned into child rows
// with the root's key and their positions. Rows are objects without a prototype and
// keys are only ever read as own properties, so "__proto__" in a payload is just data.
// What the check accepts PostgreSQL must accept too (pg-limits.ts): a record refused only
// when the apply writes it would have been answered 202 and then never stored.
import { LAST_MODIFIED_COLUMN, type ColumnSpec, type ColumnType, type KeyValue, type ListenerStructure, type TableSpec } from '@hookline/contracts';
import { describePath, isPlainObject } from './json-path';
import {
  decimalText,
  isIsoDateTime,
  isoDateTimeKey,
  keyValueBytes,
  keyValueProblem,
  MAX_KEY_BYTES,
  MAX_ROW_BYTES,
  numericRangeProblem,
  NUMERIC_TEXT,
  parseDecimal,
  parseIsoDateTime,
  rowBytes,
  rowFits,
  worstRowBytes,
  type Cell,
  type Decimal,
  type StoredType,
} from './pg-limits';
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

// eslint-disable-next-line no-control-regex -- finding U+0000 is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A JSON number past a double's range: JSON.parse makes it ±Infinity, which JSON.stringify would write as null. */
const OUT_OF_DOUBLE_RANGE = 'is beyond the range of a JSON number (a 64-bit double); send it as a string';

/**
 * Where a JSON value holds what PostgreSQL cannot store, or could not store as sent
 * (jsonb refuses \u0000 and lone surrogates; a number past a double's range would be
 * written as null), and why; iterative.
 */
export function unstorableValue(value: unknown, base: string): { path: string; message: string } | undefined {
  const stack: [unknown, string][] = [[value, base]];
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return { path, message: 'must be valid Unicode text without U+0000' };
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path, message: OUT_OF_DOUBLE_RANGE };
    } else if (Array.isArray(v)) v.forEach((e, i) => stack.push([e, `${path}[${i}]`]));
    else if (isPlainObject(v)) {
      for (const k of Object.keys(v)) {
        if (UNSTORABLE.test(k)) return { path: `${path}.${k}`, message: 'must be valid Unicode text without U+0000' };
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
      if (typeof v === 'number') return Number.isFinite(v) ? { ok: true, value: String(v) } : { ok: false, message: OUT_OF_DOUBLE_RANGE };
      if (typeof v === 'boolean') return { ok: true, value: String(v) };
      return { ok: false, message: `must be text, got ${kindOf(v)}` };
    case 'numeric':
      // A JSON number is a finite double: always within numeric's range. Text is refused
      // beyond the range ("1e200000"), and "NaN" / "Infinity" (which PostgreSQL 15 would
      // store) are refused as before: they are no JSON number, and would read back as none.
      if (typeof v === 'number') return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, message: OUT_OF_DOUBLE_RANGE };
      if (typeof v === 'string' && v.length <= 1000 && NUMERIC_TEXT.test(v.trim())) {
        const s = v.trim();
        // Without an exponent, 1000 characters are within range: only an exponent can leave it.
        const problem = /[eE]/.test(s) ? numericRangeProblem(parseDecimal(s) as Decimal) : undefined;
        return problem ? { ok: false, message: problem } : { ok: true, value: s };
      }
      return { ok: false, message: `must be a number, got ${kindOf(v)}` };
    case 'boolean':
      if (typeof v === 'boolean') return { ok: true, value: v };
      return { ok: false, message: `must be true or false, got ${kindOf(v)}` };
    case 'timestamptz':
      // ISO 8601 only, as PostgreSQL reads it (pg-limits.ts): not 'infinity', 'epoch' or 'now', which it would take.
      if (typeof v === 'string' && isIsoDateTime(v)) return { ok: true, value: v };
      return { ok: false, message: `must be an ISO 8601 date-time with a time zone (2026-01-31T12:00:00Z), got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : kindOf(v)}` };
    case 'jsonb':
      return { ok: true, value: v };
  }
}

/**
 * A key value in one canonical form, so values PostgreSQL's key holds as one (42, "42",
 * "42.0", "4.2e1"; the same instant in two zones or spellings) name one record: its
 * version row, its subject, and the fold of a batch's changes (two records of one batch
 * that PostgreSQL takes for one row would fail the whole batch: "ON CONFLICT DO UPDATE
 * command cannot affect row a second time"). A numeric key is a number when a double
 * holds it exactly, else its digits written out ("1e20" and PostgreSQL's
 * "100000000000000000000" are one key; "0.1000000000000000000001" is not 0.1).
 */
export function canonicalKey(type: ColumnType, v: unknown): KeyValue {
  if (type === 'numeric') {
    const d = parseDecimal(String(v));
    if (!d) return String(v);
    const text = decimalText(d);
    const n = Number(text);
    const exact = Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER && decimalText(parseDecimal(String(n)) as Decimal) === text;
    return exact ? n : text;
  }
  if (type === 'boolean') return v === true || v === 'true';
  if (type === 'timestamptz' && v instanceof Date) return v.toISOString();
  if (type === 'timestamptz' && typeof v === 'string') {
    const t = parseIsoDateTime(v);
    if (t) return isoDateTimeKey(t);
  }
  return String(v);
}

/** One key value: coerced to its column's type, within what a key may hold, in canonical form. */
function keyValue(type: ColumnType, raw: unknown): { ok: true; value: KeyValue } | { ok: false; message: string } {
  const c = coerce(type, raw);
  if (!c.ok) return c;
  const problem = keyValueProblem(type, c.value);
  return problem ? { ok: false, message: problem } : { ok: true, value: canonicalKey(type, c.value) };
}

/** A key's values together, checked after each one (keyValueProblem): named at the longest one. */
function keyTotalProblem(structure: ListenerStructure, key: Record<string, KeyValue>, fieldOf: (column: string) => string): FieldProblem | undefined {
  if (structure.primaryKey.length < 2) return undefined;
  const sizes = structure.primaryKey.map((k) => keyValueBytes(key[k]));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= MAX_KEY_BYTES) return undefined;
  const longest = structure.primaryKey[sizes.indexOf(Math.max(...sizes))];
  return { field: fieldOf(longest), message: `makes the primary key's values ${total} bytes together; a key may have at most ${MAX_KEY_BYTES}` };
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
    const k = keyValue(col.type, v.value);
    if (!k.ok) problems.push({ field: f, message: k.message });
    else key[name] = k.value;
  }
  const total = problems.length === 0 ? keyTotalProblem(structure, key, (name) => `${field}.${describePath((root.columns.find((c) => c.name === name) as ColumnSpec).source)}`) : undefined;
  if (total) problems.push(total);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, key };
}

/** A key value as a URL gives it (text) for a column of `type`: "true" and "false" are a boolean key's values, in the path as in the query. */
function urlValue(type: ColumnType, raw: string): unknown {
  return type === 'boolean' ? (raw === 'true' ? true : raw === 'false' ? false : raw) : raw;
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
    const type = keyTypeOf(structure, pk[0]);
    const k = keyValue(type, urlValue(type, recordId));
    if (!k.ok) return { ok: false, problems: [{ field: 'recordId', message: k.message }] };
    key[pk[0]] = k.value;
    return { ok: true, key };
  }
  for (const name of pk) {
    const raw = Object.prototype.hasOwnProperty.call(query, name) ? query[name] : undefined;
    const type = keyTypeOf(structure, name);
    if (raw === undefined || raw === '') {
      problems.push({ field: name, message: 'is required (a primary key column)' });
      continue;
    }
    const k = keyValue(type, urlValue(type, raw));
    if (!k.ok) problems.push({ field: name, message: k.message });
    else key[name] = k.value;
  }
  const total = problems.length === 0 ? keyTotalProblem(structure, key, (name) => name) : undefined;
  if (total) problems.push(total);
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

/**
 * Lenient mapping (MapOptions.lenient): a value that does not fit its column is written as
 * null (left as it is by a patch), and a table's array that is not one of objects gives no
 * rows (elements that are not objects are skipped), instead of a problem each.
 */
function misfit(col: ColumnSpec, patch: boolean, row: Row): void {
  if (!patch) row[col.name] = null;
}

function mapColumns(t: TableSpec, obj: Row, field: string, patch: boolean, row: Row, problems: FieldProblem[], lenient = false): void {
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
      if (lenient) {
        misfit(col, patch, row);
        continue;
      }
      const at = `${field}.${describePath(v.at)}`;
      if (!problems.some((p) => p.field === at)) problems.push({ field: at, message: `must be an object, got ${kindOf(v.value)}` });
      continue;
    }
    const c = coerce(col.type, v.value);
    if (!c.ok) {
      if (lenient) misfit(col, patch, row);
      else problems.push({ field: f, message: c.message });
      continue;
    }
    if (col.type === 'jsonb') {
      const bad = unstorableValue(c.value, f);
      if (bad) {
        if (lenient) misfit(col, patch, row);
        else problems.push({ field: bad.path, message: bad.message });
        continue;
      }
    }
    row[col.name] = c.value;
  }
}

/** The types of a table's stored columns in their order: a child's key and positions first, the root's last_modified last. */
function storedTypes(structure: ListenerStructure, t: TableSpec): StoredType[] {
  const cols = t.columns.map((c) => c.type as StoredType);
  if (t.parent === null) return [...cols, 'timestamptz'];
  const keyTypes = structure.primaryKey.map((k) => keyTypeOf(structure, k));
  return [...keyTypes, ...(t.positionColumns ?? []).map((): StoredType => 'integer'), ...cols];
}

/** Tables whose widest row could pass PostgreSQL's row limit: only their rows are measured (few tables are that wide). */
const mayOverflow = new WeakMap<TableSpec, boolean>();

/**
 * Why PostgreSQL could not store this row ("row is too big"), or undefined. A patch gives
 * some of the columns: it is measured with those alone (the stored row's other values are
 * not known here).
 */
function rowSizeProblem(structure: ListenerStructure, t: TableSpec, row: Row, patch: boolean): string | undefined {
  let wide = mayOverflow.get(t);
  if (wide === undefined) {
    wide = !rowFits(worstRowBytes(storedTypes(structure, t)));
    mayOverflow.set(t, wide);
  }
  if (!wide) return undefined;
  const types = storedTypes(structure, t);
  const names = t.parent === null ? [...t.columns.map((c) => c.name), LAST_MODIFIED_COLUMN] : [...(t.keyColumns ?? []), ...(t.positionColumns ?? []), ...t.columns.map((c) => c.name)];
  const cells: Cell[] = [];
  names.forEach((name, i) => {
    // last_modified is set when the row is written: a timestamp, never null.
    const value = name === LAST_MODIFIED_COLUMN && t.parent === null ? 0 : Object.prototype.hasOwnProperty.call(row, name) ? row[name] : undefined;
    if (value !== undefined || !patch) cells.push({ type: types[i], value: value ?? null });
  });
  const bytes = rowBytes(cells, names.length);
  if (rowFits(bytes)) return undefined;
  return `makes a row of about ${bytes} bytes in table ${t.name}; PostgreSQL stores at most ${MAX_ROW_BYTES} bytes per row, even with long values moved out of it (18 bytes each remain): send fewer fields`;
}

function childRows(
  structure: ListenerStructure,
  table: TableSpec,
  parents: { obj: Row; positions: number[]; field: string }[],
  key: Record<string, KeyValue>,
  out: Map<string, Row[]>,
  problems: FieldProblem[],
  lenient = false,
): void {
  const rows: Row[] = out.get(table.name) ?? [];
  out.set(table.name, rows);
  const elements: { obj: Row; positions: number[]; field: string }[] = [];
  for (const p of parents) {
    const v = valueAt(p.obj, table.path);
    const f = `${p.field}.${describePath(table.path)}`;
    if (v.state === 'absent' || v.value === null || v.value === undefined) continue;
    if (v.state === 'blocked' || !Array.isArray(v.value)) {
      if (!lenient) problems.push({ field: f, message: `must be an array of objects, got ${kindOf(v.value)}` });
      continue;
    }
    v.value.forEach((e, i) => {
      if (e === null) return;
      if (!isPlainObject(e)) {
        if (!lenient) problems.push({ field: `${f}[${i}]`, message: `must be an object, got ${kindOf(e)}` });
        return;
      }
      const row: Row = Object.create(null);
      (table.keyColumns ?? []).forEach((k, j) => (row[k] = key[structure.primaryKey[j]]));
      const positions = [...p.positions, i + 1];
      (table.positionColumns ?? []).forEach((c, j) => (row[c] = positions[j]));
      mapColumns(table, e, `${f}[${i}]`, false, row, problems, lenient);
      const tooBig = rowSizeProblem(structure, table, row, false);
      if (tooBig) problems.push({ field: `${f}[${i}]`, message: tooBig });
      rows.push(row);
      elements.push({ obj: e, positions, field: `${f}[${i}]` });
    });
  }
  for (const child of structure.tables.filter((c) => c.parent === table.name)) childRows(structure, child, elements, key, out, problems, lenient);
}

/**
 * The rows of one record. `field` prefixes field names in problems (e.g. "body" or
 * "body.data.items[3]").
 *
 * A patch means what a deep merge of it into the stored record (mergeRecords) would mean:
 * it writes only the root columns whose fields it gives, and replaces a child table's rows
 * only when it reaches the table's array at its full path. {"issue":{"title":"x"}} keeps
 * the rows of issue.labels and issue.assignees; {"issue":{"labels":[…]}} replaces the
 * labels and keeps the assignees; {"issue":{"labels":null}} clears the labels. A null
 * object on the way, {"issue":null}, clears everything under it, the flattened issue_*
 * columns and the issue.* tables alike, as the merged record has no issue; a scalar there
 * ({"issue":5}) does not fit.
 */
export interface MapOptions {
  /**
   * For a record accepted under an earlier structure of the tables (the apply, after a
   * migration): what no longer fits is left out (misfit) rather than refused, so the
   * record is stored as the tables it was accepted for would have stored it. The key must
   * still fit (it cannot change type), and a row must still fit in a page.
   */
  lenient?: boolean;
}

export function mapRecord(structure: ListenerStructure, record: unknown, mode: 'upsert' | 'patch', field: string, options: MapOptions = {}): MapResult {
  const lenient = options.lenient === true;
  if (!isPlainObject(record)) return { ok: false, problems: [{ field, message: `must be an object (a record), got ${kindOf(record)}` }] };
  const k = keyOfRecord(structure, record, field);
  const problems: FieldProblem[] = k.ok ? [] : [...k.problems];
  const root = structure.tables[0];
  const row: Row = Object.create(null);
  mapColumns(root, record, field, mode === 'patch', row, problems, lenient);
  const tooBig = rowSizeProblem(structure, root, row, mode === 'patch');
  if (tooBig) problems.push({ field, message: tooBig });
  const children = new Map<string, Row[]>();
  const key = k.ok ? k.key : {};
  for (const t of structure.tables.filter((c) => c.parent === root.name)) {
    if (mode === 'patch' && valueAt(record, t.path).state === 'absent') continue;
    childRows(structure, t, [{ obj: record, positions: [], field }], key, children, problems, lenient);
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

/**
 * A later patch folded into an earlier change of the same record (an upsert's whole record,
 * or earlier patches' fields), so that writing the result once (mapRecord) does what
 * writing the two in order would: the apply folds a batch's changes of one record into one
 * write, and the tables must not depend on how the changes fell into batches. Objects merge
 * deeply (mergeRecords), except:
 * - at a column's source the patch's value replaces the earlier one whole: a patch sets a
 *   jsonb column to what it gives, not to a merge of the two objects;
 * - where the earlier change held null or a value (clearing every column and child table
 *   under it) and the patch gives an object, the patch's object is laid over null for
 *   everything under that path, so what the earlier change cleared stays cleared.
 */
export function foldPatch(structure: ListenerStructure, base: Row, patch: Row): Row {
  const root = structure.tables[0];
  const columns = new Set(root.columns.map((c) => JSON.stringify(c.source)));
  const leaves = [...root.columns.map((c) => c.source), ...structure.tables.filter((t) => t.parent === root.name).map((t) => t.path)];
  return foldInto(base, patch, [], columns, leaves);
}

function foldInto(base: Row, patch: Row, at: readonly string[], columns: ReadonlySet<string>, leaves: readonly (readonly string[])[]): Row {
  const out: Row = Object.create(null);
  for (const k of Object.keys(base)) Object.defineProperty(out, k, { value: base[k], enumerable: true, writable: true, configurable: true });
  for (const k of Object.keys(patch)) {
    const path = [...at, k];
    const v = patch[k];
    let merged = v;
    if (isPlainObject(v) && !columns.has(JSON.stringify(path))) {
      const b = Object.prototype.hasOwnProperty.call(out, k) ? out[k] : undefined;
      if (isPlainObject(b)) merged = foldInto(b, v, path, columns, leaves);
      else if (b !== undefined) merged = foldInto(clearedUnder(path, leaves), v, path, columns, leaves);
    }
    Object.defineProperty(out, k, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Null for the next key of every column source and child table path below `path`: what a null at `path` clears. */
function clearedUnder(path: readonly string[], leaves: readonly (readonly string[])[]): Row {
  const out: Row = Object.create(null);
  for (const leaf of leaves) {
    if (leaf.length > path.length && path.every((k, i) => leaf[i] === k)) Object.defineProperty(out, leaf[path.length], { value: null, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
