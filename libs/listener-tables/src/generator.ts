// "Generate Tables" (seed: webhook-listeners.txt): from a sample payload, the proposed
// structure an administrator reviews before accepting it. The sample's records (the body,
// or what sits under the root path) give the root table: scalar fields become columns
// (nested objects are flattened into prefixed columns), typed text / numeric / boolean /
// timestamptz, and jsonb where no scalar type fits; arrays of objects become child tables
// keyed by the root's primary key and the element's position. Pure: no SQL runs here.
import { COLUMN_TYPES, LAST_MODIFIED_COLUMN, type ColumnSpec, type ColumnType, type ListenerStructure, type TableSpec } from '@hookline/contracts';
import { describePath, getAt, isPlainObject, parsePath } from './json-path';
import { columnAllocator, NameAllocator, nameFromPath, normalizeKey } from './names';
import { shapeChange } from './migration';
import { isIsoDateTime } from './pg-limits';
import { TableInputError, type FieldProblem } from './problems';
import { validateStructure } from './structure-rules';

/** Objects nested this deep inside a row are flattened into columns; deeper ones are kept as jsonb. */
export const MAX_FLATTEN_DEPTH = 4;
/** Child tables nest at most this deep below the root (deeper arrays are kept as jsonb). */
export const MAX_TABLE_DEPTH = 3;
export const MAX_COLUMNS_PER_TABLE = 600;
export const MAX_TABLES = 32;
export const MAX_PRIMARY_KEY_COLUMNS = 8;
/** A sample is only looked at this deep (the limits above are all shallower). */
const MAX_INFER_DEPTH = 2 * (MAX_FLATTEN_DEPTH + MAX_TABLE_DEPTH) + 4;

type Shape =
  | { k: 'null' }
  | { k: 'scalar'; t: Exclude<ColumnType, 'jsonb'> }
  | { k: 'object'; fields: Map<string, Shape> }
  /** An array whose elements are objects (or null). */
  | { k: 'objects'; element: Map<string, Shape> }
  /** Anything no scalar or table fits: arrays of scalars, empty arrays, mixed kinds. */
  | { k: 'json' };

// A sample's string is a timestamptz column only when PostgreSQL would take it as one (a
// real calendar date, in range): "2019-02-31T00:00:00Z" makes a text column, not one that
// refuses the very value it was inferred from.
export { isIsoDateTime };

function infer(v: unknown, depth: number): Shape {
  if (v === null || v === undefined) return { k: 'null' };
  if (typeof v === 'boolean') return { k: 'scalar', t: 'boolean' };
  if (typeof v === 'number') return Number.isFinite(v) ? { k: 'scalar', t: 'numeric' } : { k: 'json' };
  if (typeof v === 'string') return { k: 'scalar', t: isIsoDateTime(v) ? 'timestamptz' : 'text' };
  if (depth >= MAX_INFER_DEPTH) return { k: 'json' };
  if (Array.isArray(v)) {
    if (v.length === 0 || !v.every((e) => e === null || isPlainObject(e)) || v.every((e) => e === null)) return { k: 'json' };
    let element = new Map<string, Shape>();
    for (const e of v) if (e !== null) element = mergeFields(element, fieldsOf(e as Record<string, unknown>, depth + 1));
    return { k: 'objects', element };
  }
  if (isPlainObject(v)) return { k: 'object', fields: fieldsOf(v, depth + 1) };
  return { k: 'json' };
}

function fieldsOf(o: Record<string, unknown>, depth: number): Map<string, Shape> {
  const m = new Map<string, Shape>();
  for (const k of Object.keys(o)) m.set(k, infer(o[k], depth));
  return m;
}

function mergeScalar(a: Exclude<ColumnType, 'jsonb'>, b: Exclude<ColumnType, 'jsonb'>): Exclude<ColumnType, 'jsonb'> {
  return a === b ? a : 'text';
}

function merge(a: Shape, b: Shape): Shape {
  if (a.k === 'null') return b;
  if (b.k === 'null') return a;
  if (a.k === 'scalar' && b.k === 'scalar') return { k: 'scalar', t: mergeScalar(a.t, b.t) };
  if (a.k === 'object' && b.k === 'object') return { k: 'object', fields: mergeFields(a.fields, b.fields) };
  if (a.k === 'objects' && b.k === 'objects') return { k: 'objects', element: mergeFields(a.element, b.element) };
  return { k: 'json' };
}

function mergeFields(a: Map<string, Shape>, b: Map<string, Shape>): Map<string, Shape> {
  const out = new Map(a);
  for (const [k, s] of b) out.set(k, out.has(k) ? merge(out.get(k) as Shape, s) : s);
  return out;
}

export interface GenerateInput {
  sample: unknown;
  baseName: string;
  /** Dot-separated or a JSON Pointer; "" or undefined: the body itself. */
  rootPath?: string;
  /** Paths (dot-separated or JSON Pointer) within a record; default ["id"]. */
  primaryKey?: string[];
  /** Table names other listeners of the tenant use already. */
  takenTableNames?: Iterable<string>;
}

export interface GenerateResult {
  structure: ListenerStructure;
  warnings: string[];
}

interface Ctx {
  tables: TableSpec[];
  tableNames: NameAllocator;
  warnings: string[];
  problems: FieldProblem[];
  pkTypes: ColumnType[];
  pkNames: string[];
}

/** The records a body holds at `rootPath`: an array's objects, or the object itself. */
export function recordsAt(body: unknown, rootPath: readonly string[]): { records: unknown[]; problem?: FieldProblem } {
  const at = rootPath.length === 0 ? body : getAt(body, rootPath);
  const where = rootPath.length === 0 ? 'body' : describePath(rootPath);
  if (at === undefined) return { records: [], problem: { field: where, message: 'is missing' } };
  if (Array.isArray(at)) return { records: at };
  if (isPlainObject(at)) return { records: [at] };
  return { records: [], problem: { field: where, message: 'must be an object (a record) or an array of records' } };
}

/** The proposed structure for a sample; throws TableInputError naming what does not fit. */
export function generateStructure(input: GenerateInput): GenerateResult {
  const rootPath = parsePath(input.rootPath ?? '');
  const { records, problem } = recordsAt(input.sample, rootPath);
  if (problem) {
    // The request names the sample and the root path: say which part of the path is wrong in the message.
    throw new TableInputError([problem.field === 'body' ? { field: 'sample', message: problem.message } : { field: 'rootPath', message: `${problem.field} ${problem.message}` }]);
  }
  const objects = records.filter(isPlainObject);
  if (objects.length === 0) throw new TableInputError([{ field: 'sample', message: 'holds no record (a JSON object) at the root path' }]);
  if (objects.length !== records.length) throw new TableInputError([{ field: 'sample', message: 'every record at the root path must be a JSON object' }]);
  let shape = new Map<string, Shape>();
  for (const r of objects) shape = mergeFields(shape, fieldsOf(r, 1));

  const baseName = nameFromPath([input.baseName], 'records');
  const ctx: Ctx = { tables: [], tableNames: new NameAllocator(input.takenTableNames), warnings: [], problems: [], pkTypes: [], pkNames: [] };
  if (ctx.tableNames.has(baseName)) {
    throw new TableInputError([{ field: 'baseName', message: `the tenant already has a table ${baseName} (another listener's); choose another base name` }]);
  }
  const root: TableSpec = { name: ctx.tableNames.allocate(baseName), parent: null, path: [], columns: [] };
  const rootColumns = columnAllocator([LAST_MODIFIED_COLUMN]);
  const children: { path: string[]; element: Map<string, Shape> }[] = [];
  flatten(shape, [], 0, root, rootColumns, children, ctx);

  // The primary key: default "id", which must then exist.
  const pkPaths = (input.primaryKey && input.primaryKey.length > 0 ? input.primaryKey : ['id']).map(parsePath);
  const primaryKey: string[] = [];
  for (const [i, p] of pkPaths.entries()) {
    const col = root.columns.find((c) => c.source.length === p.length && c.source.every((k, j) => k === p[j]));
    const field = input.primaryKey ? `primaryKey[${i}]` : 'primaryKey';
    if (!col) {
      ctx.problems.push({
        field,
        message: input.primaryKey
          ? `${describePath(p)} is not a scalar field of the sample's records`
          : 'the records have no scalar "id" field: name the primary key (e.g. ["issue.id"], or several fields for a composite key)',
      });
    } else if (col.type === 'jsonb') ctx.problems.push({ field, message: `${describePath(p)} has no scalar type in the sample (null or mixed); it cannot be a key` });
    else if (primaryKey.includes(col.name)) ctx.problems.push({ field, message: `${describePath(p)} is named twice` });
    else primaryKey.push(col.name);
  }
  if (pkPaths.length > MAX_PRIMARY_KEY_COLUMNS) ctx.problems.push({ field: 'primaryKey', message: `at most ${MAX_PRIMARY_KEY_COLUMNS} fields` });
  if (ctx.problems.length > 0) throw new TableInputError(ctx.problems);
  ctx.pkNames = primaryKey;
  ctx.pkTypes = primaryKey.map((n) => (root.columns.find((c) => c.name === n) as ColumnSpec).type);
  ctx.tables.push(root);
  for (const c of children) addChildTable(root, c.path, c.element, 1, ctx);
  if (ctx.problems.length > 0) throw new TableInputError(ctx.problems);

  const structure: ListenerStructure = { baseName: input.baseName, rootPath, primaryKey, tables: ctx.tables };
  const invalid = validateStructure(structure, 'structure');
  if (invalid.length > 0) throw new TableInputError(invalid);
  return { structure, warnings: ctx.warnings };
}

/** Adds a table's columns from an object shape; arrays of objects are collected as children. */
function flatten(fields: Map<string, Shape>, prefix: string[], depth: number, table: TableSpec, names: NameAllocator, children: { path: string[]; element: Map<string, Shape> }[], ctx: Ctx): void {
  for (const [key, s] of fields) {
    const source = [...prefix, key];
    const column = (type: ColumnType) => {
      if (table.columns.length >= MAX_COLUMNS_PER_TABLE) {
        const message = `table ${table.name} would have more than ${MAX_COLUMNS_PER_TABLE} columns; choose a root path or a smaller sample`;
        // Said once per table: a sample of 5,000 fields repeated it 4,400 times (a 900 KB 400).
        if (!ctx.problems.some((p) => p.message === message)) ctx.problems.push({ field: 'sample', message });
        return;
      }
      table.columns.push({ name: names.allocate(nameFromPath(source)), source, type });
    };
    switch (s.k) {
      case 'scalar':
        column(s.t);
        break;
      case 'null':
        ctx.warnings.push(`${describePath(source)} is null in every sample record: stored as jsonb`);
        column('jsonb');
        break;
      case 'json':
        column('jsonb');
        break;
      case 'object':
        if (s.fields.size === 0) column('jsonb');
        else if (depth + 1 < MAX_FLATTEN_DEPTH) flatten(s.fields, source, depth + 1, table, names, children, ctx);
        else {
          ctx.warnings.push(`${describePath(source)} is nested deeper than ${MAX_FLATTEN_DEPTH} levels: stored as jsonb`);
          column('jsonb');
        }
        break;
      case 'objects':
        children.push({ path: source, element: s.element });
        break;
    }
  }
}

function addChildTable(parent: TableSpec, path: string[], element: Map<string, Shape>, level: number, ctx: Ctx): void {
  if (ctx.problems.length > 0) return;
  // Beyond the nesting limit, or past the table budget, the array stays a jsonb column of the parent.
  if (level > MAX_TABLE_DEPTH || ctx.tables.length >= MAX_TABLES) {
    ctx.warnings.push(`${describePath(path)} (in ${parent.name}) would be a table nested too deep or one table too many: stored as jsonb`);
    const names = columnAllocator(parent.columns.map((c) => c.name).concat(reservedOf(parent)));
    parent.columns.push({ name: names.allocate(nameFromPath(path)), source: path, type: 'jsonb' });
    return;
  }
  const name = ctx.tableNames.allocate(nameFromPath([parent.name, ...path.map((k) => normalizeKey(k))]));
  const names = columnAllocator();
  const keyColumns = ctx.pkNames.map((pk) => names.allocate(`_root_${pk}`));
  const positionColumns = Array.from({ length: level }, (_, i) => names.allocate(`_pos${i + 1}`));
  const table: TableSpec = { name, parent: parent.name, path, columns: [], keyColumns, positionColumns };
  const grandChildren: { path: string[]; element: Map<string, Shape> }[] = [];
  flatten(element, [], 0, table, names, grandChildren, ctx);
  if (table.columns.length === 0) table.columns.push({ name: names.allocate('value'), source: [], type: 'jsonb' });
  ctx.tables.push(table);
  for (const g of grandChildren) addChildTable(table, g.path, g.element, level + 1, ctx);
}

function reservedOf(t: TableSpec): string[] {
  return t.parent === null ? [LAST_MODIFIED_COLUMN] : [...(t.keyColumns ?? []), ...(t.positionColumns ?? [])];
}

export interface MergeResult {
  structure: ListenerStructure;
  warnings: string[];
}

/**
 * A proposal regenerated from a new sample, laid over the structure a listener has: every
 * table and column it has stays as it is (same names, same types), what the new sample
 * adds is added. The result is what PUT .../structure accepts as a migration that keeps
 * the data.
 */
export function mergeStructures(current: ListenerStructure, proposed: ListenerStructure, takenTableNames: Iterable<string> = []): MergeResult {
  const warnings: string[] = [];
  const problems: FieldProblem[] = [];
  if (JSON.stringify(current.rootPath) !== JSON.stringify(proposed.rootPath)) problems.push({ field: 'rootPath', message: `differs from the listener's (${describePath(current.rootPath) || '(the body)'})` });
  const out: ListenerStructure = JSON.parse(JSON.stringify(current)) as ListenerStructure;
  const tableNames = new NameAllocator([...out.tables.map((t) => t.name), ...takenTableNames]);
  const byProposedName = new Map<string, string>();
  // Tables match by their parent and path; columns by their source.
  for (const p of proposed.tables) {
    const parentName = p.parent === null ? null : byProposedName.get(p.parent);
    if (p.parent !== null && parentName === undefined) continue;
    const t = out.tables.find((c) => (p.parent === null ? c.parent === null : c.parent === parentName && samePath(c.path, p.path)));
    if (!t) {
      const parent = out.tables.find((c) => c.name === parentName) as TableSpec;
      // A field the tables read already in another shape keeps it (planMigration would refuse the change).
      const reshaped = shapeChange(parent, out.tables.filter((c) => c.parent === parent.name), { table: p.path });
      if (reshaped) {
        warnings.push(`${describePath(p.path)} in ${parent.name}: not made a table (${reshaped})`);
        continue;
      }
      const level = (parent.positionColumns?.length ?? 0) + 1;
      const names = columnAllocator();
      const added: TableSpec = {
        name: tableNames.allocate(p.name),
        parent: parentName as string,
        path: p.path,
        columns: [],
        keyColumns: out.primaryKey.map((pk) => names.allocate(`_root_${pk}`)),
        positionColumns: Array.from({ length: level }, (_, i) => names.allocate(`_pos${i + 1}`)),
      };
      for (const c of p.columns) added.columns.push({ ...c, name: names.allocate(c.name) });
      out.tables.push(added);
      byProposedName.set(p.name, added.name);
      continue;
    }
    byProposedName.set(p.name, t.name);
    const names = columnAllocator(t.columns.map((c) => c.name).concat(reservedOf(t)));
    for (const c of p.columns) {
      const have = t.columns.find((x) => samePath(x.source, c.source));
      const reshaped = have ? undefined : shapeChange(t, out.tables.filter((x) => x.parent === t.name), { column: c.source });
      if (reshaped) warnings.push(`${describePath(c.source)} in ${t.name}: not made a column (${reshaped})`);
      else if (!have) t.columns.push({ ...c, name: names.allocate(c.name) });
      else if (have.type !== c.type && have.type !== 'jsonb' && have.type !== 'text') {
        warnings.push(`${describePath(c.source)} in ${t.name}: the new sample has ${c.type}, the column stays ${have.type} (change it to text or jsonb to widen it)`);
      }
    }
  }
  if (problems.length > 0) throw new TableInputError(problems);
  return { structure: out, warnings };
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

export { COLUMN_TYPES };
