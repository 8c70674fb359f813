// What makes a structure acceptable, whether generated here or edited by an
// administrator before accepting it: valid and unique names, known types, a root table
// first, children after their parents with the reserved key and position columns, a
// primary key of scalar root columns, and sizes within PostgreSQL's limits.
import { COLUMN_TYPES, LAST_MODIFIED_COLUMN, type TableSpec } from '@hookline/contracts';
import { isPlainObject } from './json-path';
import { columnNameProblem, nameProblem } from './names';
import type { FieldProblem } from './problems';

const MAX_TABLES = 32;
const MAX_COLUMNS = 600;
const MAX_DEPTH = 3;
const MAX_PK = 8;
const MAX_KEY_LENGTH = 1000;
const MAX_PATH = 64;

function isStringArray(v: unknown, max: number): v is string[] {
  return Array.isArray(v) && v.length <= max && v.every((k) => typeof k === 'string' && k.length <= MAX_KEY_LENGTH);
}

/** Every problem with a structure, as fields under `prefix` (e.g. "structure.tables[1].columns[0].name"). */
export function validateStructure(s: unknown, prefix = 'structure'): FieldProblem[] {
  const out: FieldProblem[] = [];
  const at = (f: string) => (prefix ? `${prefix}.${f}` : f);
  if (!isPlainObject(s)) return [{ field: prefix || 'structure', message: 'must be an object' }];
  if (typeof s.baseName !== 'string' || s.baseName.length === 0 || s.baseName.length > 200) out.push({ field: at('baseName'), message: 'must be a string of 1 to 200 characters' });
  if (!isStringArray(s.rootPath, MAX_PATH)) out.push({ field: at('rootPath'), message: 'must be an array of keys' });
  if (!Array.isArray(s.tables) || s.tables.length === 0) return [...out, { field: at('tables'), message: 'must be a non-empty array' }];
  if (s.tables.length > MAX_TABLES) out.push({ field: at('tables'), message: `at most ${MAX_TABLES} tables` });
  const tables = s.tables as unknown[];
  const seen = new Map<string, TableSpec>();
  const depthOf = new Map<string, number>();
  for (const [i, raw] of tables.entries()) {
    const tf = (f: string) => at(`tables[${i}]${f ? `.${f}` : ''}`);
    if (!isPlainObject(raw)) {
      out.push({ field: tf(''), message: 'must be an object' });
      continue;
    }
    const t = raw as unknown as TableSpec;
    const np = nameProblem(t.name);
    if (np) out.push({ field: tf('name'), message: np });
    else if (seen.has(t.name)) out.push({ field: tf('name'), message: `${t.name} is used by another table` });
    if (i === 0) {
      if (t.parent !== null) out.push({ field: tf('parent'), message: 'the first table is the root table: its parent must be null' });
    } else if (typeof t.parent !== 'string' || !seen.has(t.parent)) out.push({ field: tf('parent'), message: 'must name a table listed before this one' });
    if (!isStringArray(t.path, MAX_PATH) || (i > 0 && t.path.length === 0)) out.push({ field: tf('path'), message: i === 0 ? 'must be an array' : 'must be a non-empty array of keys' });
    if (i === 0 && Array.isArray(t.path) && t.path.length > 0) out.push({ field: tf('path'), message: 'must be [] for the root table' });
    const depth = i === 0 ? 0 : (depthOf.get(String(t.parent)) ?? 0) + 1;
    if (depth > MAX_DEPTH) out.push({ field: tf('parent'), message: `child tables nest at most ${MAX_DEPTH} levels` });
    const names = new Set<string>();
    const reserved = (field: string, list: unknown, expected: number) => {
      if (!Array.isArray(list) || list.length !== expected) {
        out.push({ field: tf(field), message: `must list ${expected} column name(s)` });
        return;
      }
      for (const [j, n] of list.entries()) {
        const p = nameProblem(n);
        if (p) out.push({ field: tf(`${field}[${j}]`), message: p });
        else if (names.has(n as string)) out.push({ field: tf(`${field}[${j}]`), message: `${String(n)} is used twice` });
        else names.add(n as string);
      }
    };
    if (i === 0) {
      names.add(LAST_MODIFIED_COLUMN);
      if (t.keyColumns !== undefined || t.positionColumns !== undefined) out.push({ field: tf('keyColumns'), message: 'the root table has no key or position columns' });
    } else {
      reserved('keyColumns', t.keyColumns, Array.isArray(s.primaryKey) ? s.primaryKey.length : 0);
      reserved('positionColumns', t.positionColumns, depth);
    }
    if (!Array.isArray(t.columns) || (t.columns.length === 0 && i === 0)) out.push({ field: tf('columns'), message: 'must be a non-empty array' });
    else {
      if (t.columns.length > MAX_COLUMNS) out.push({ field: tf('columns'), message: `at most ${MAX_COLUMNS} columns` });
      const sources = new Set<string>();
      for (const [j, c] of (t.columns as unknown[]).entries()) {
        const cf = (f: string) => tf(`columns[${j}].${f}`);
        if (!isPlainObject(c)) {
          out.push({ field: tf(`columns[${j}]`), message: 'must be an object' });
          continue;
        }
        const p = columnNameProblem(c.name);
        if (p) out.push({ field: cf('name'), message: p });
        else if (names.has(c.name as string)) out.push({ field: cf('name'), message: `${String(c.name)} is used by another column${c.name === LAST_MODIFIED_COLUMN ? ' (last_modified is set by the platform)' : ''}` });
        else names.add(c.name as string);
        if (!COLUMN_TYPES.includes(c.type as never)) out.push({ field: cf('type'), message: `must be one of ${COLUMN_TYPES.join(', ')}` });
        // A column reading the whole element (source []) gets an object: a numeric, boolean
        // or timestamptz column would take the request (202) and then PostgreSQL would refuse
        // its rows when applied, losing the record; text would hold it as JSON text.
        else if (i > 0 && Array.isArray(c.source) && c.source.length === 0 && c.type !== 'jsonb') out.push({ field: cf('type'), message: 'must be jsonb: a column whose source is [] keeps the whole element, an object' });
        if (!isStringArray(c.source, MAX_PATH) || (i === 0 && c.source.length === 0)) out.push({ field: cf('source'), message: 'must be an array of keys' });
        else {
          const key = JSON.stringify(c.source);
          if (sources.has(key)) out.push({ field: cf('source'), message: 'another column reads the same field' });
          sources.add(key);
        }
      }
    }
    if (typeof t.name === 'string') {
      seen.set(t.name, t);
      depthOf.set(t.name, depth);
    }
  }
  const root = tables[0] as TableSpec | undefined;
  if (!Array.isArray(s.primaryKey) || s.primaryKey.length === 0 || s.primaryKey.length > MAX_PK) out.push({ field: at('primaryKey'), message: `must list 1 to ${MAX_PK} root columns` });
  else if (root && Array.isArray(root.columns)) {
    for (const [i, k] of (s.primaryKey as unknown[]).entries()) {
      const col = root.columns.find((c) => isPlainObject(c) && c.name === k);
      if (!col) out.push({ field: at(`primaryKey[${i}]`), message: `${String(k)} is not a column of the root table` });
      else if (col.type === 'jsonb') out.push({ field: at(`primaryKey[${i}]`), message: `${String(k)} is jsonb; a key must be text, numeric, boolean or timestamptz` });
      else if ((s.primaryKey as unknown[]).indexOf(k) !== i) out.push({ field: at(`primaryKey[${i}]`), message: `${String(k)} is named twice` });
    }
  }
  return out;
}
