// Changing a listener's structure is a migration of its tables that keeps the data:
// tables and columns may be added, and a column may be widened to text or jsonb; nothing
// is dropped, renamed or re-keyed (each such change is a conflict naming the field). Nor
// may a field change its shape: a value the tables store as a column cannot become an
// object or an array of rows, nor an array of rows an object, since every request the
// tables accept now would be refused after the change (and those accepted a moment before
// could no longer be stored whole).
import type { ColumnSpec, ColumnType, ListenerStructure, TableSpec } from '@hookline/contracts';
import type { FieldProblem } from './problems';

export type MigrationOp =
  | { op: 'create-schema' }
  | { op: 'create-table'; table: TableSpec }
  | { op: 'add-column'; table: string; column: ColumnSpec }
  | { op: 'widen-column'; table: string; column: string; from: ColumnType; to: 'text' | 'jsonb' };

export interface MigrationPlan {
  ops: MigrationOp[];
  conflicts: FieldProblem[];
}

const same = (a: readonly string[] | undefined, b: readonly string[] | undefined) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/** Whether `prefix` is a prefix of `path` (equal included when `orEqual`). */
function startsWith(path: readonly string[], prefix: readonly string[], orEqual: boolean): boolean {
  if (prefix.length > path.length || (!orEqual && prefix.length === path.length)) return false;
  return prefix.every((k, i) => path[i] === k);
}

const dotted = (path: readonly string[]) => path.join('.');

/**
 * Where something added to a table (a column reading `source`, or a child table at `path`)
 * would need a different shape of a field its table reads already: a column's value where
 * an object or an array would now be needed, or a child table's array where an object
 * would. Undefined when it fits.
 */
export function shapeChange(old: TableSpec, children: readonly TableSpec[], added: { column?: string[]; table?: string[] }): string | undefined {
  const path = added.column ?? added.table ?? [];
  for (const c of old.columns) {
    if (c.source.length > 0 && startsWith(path, c.source, added.table !== undefined)) {
      return `field ${dotted(c.source)} is stored in column ${old.name}.${c.name} as a value; it cannot become ${added.table ? 'an array of rows' : 'an object'}`;
    }
  }
  for (const t of children) {
    if (startsWith(path, t.path, added.column !== undefined)) return `field ${dotted(t.path)} holds the rows of table ${t.name}; it cannot become ${added.table ? 'another table' : 'an object or a value'}`;
  }
  return undefined;
}

/** What turns the tables of `from` (null: none yet) into those of `to`. */
export function planMigration(from: ListenerStructure | null, to: ListenerStructure): MigrationPlan {
  if (!from) return { ops: [{ op: 'create-schema' }, ...to.tables.map((table) => ({ op: 'create-table' as const, table }))], conflicts: [] };
  const ops: MigrationOp[] = [];
  const conflicts: FieldProblem[] = [];
  if (!same(from.rootPath, to.rootPath)) conflicts.push({ field: 'structure.rootPath', message: 'cannot change once tables exist' });
  if (!same(from.primaryKey, to.primaryKey)) conflicts.push({ field: 'structure.primaryKey', message: `cannot change once tables exist (it is ${from.primaryKey.join(', ')})` });
  if (from.tables[0].name !== to.tables[0].name) conflicts.push({ field: 'structure.tables[0].name', message: `the root table is ${from.tables[0].name} and cannot be renamed` });
  for (const old of from.tables) {
    const i = to.tables.findIndex((t) => t.name === old.name);
    if (i < 0) {
      conflicts.push({ field: 'structure.tables', message: `table ${old.name} is missing: tables are never dropped (keep it in the structure)` });
      continue;
    }
    const t = to.tables[i];
    if (t.parent !== old.parent || !same(t.path, old.path) || !same(t.keyColumns, old.keyColumns) || !same(t.positionColumns, old.positionColumns)) {
      conflicts.push({ field: `structure.tables[${i}]`, message: `table ${old.name} cannot change its parent, path, key or position columns` });
    }
    for (const c of old.columns) {
      const j = t.columns.findIndex((x) => x.name === c.name);
      if (j < 0) {
        conflicts.push({ field: `structure.tables[${i}].columns`, message: `column ${old.name}.${c.name} is missing: columns are never dropped (keep it in the structure)` });
        continue;
      }
      const n = t.columns[j];
      if (!same(n.source, c.source)) conflicts.push({ field: `structure.tables[${i}].columns[${j}].source`, message: `column ${c.name} cannot read another field` });
      if (n.type !== c.type) {
        if (old.parent === null && from.primaryKey.includes(c.name)) conflicts.push({ field: `structure.tables[${i}].columns[${j}].type`, message: `column ${c.name} is part of the primary key; its type cannot change` });
        else if ((n.type === 'text' || n.type === 'jsonb') && !(c.type === 'jsonb' && n.type === 'text')) ops.push({ op: 'widen-column', table: t.name, column: c.name, from: c.type, to: n.type });
        else conflicts.push({ field: `structure.tables[${i}].columns[${j}].type`, message: `column ${c.name} can only be widened (to text or jsonb), not changed from ${c.type} to ${n.type}` });
      }
    }
    const oldChildren = from.tables.filter((c) => c.parent === old.name);
    t.columns.forEach((n, j) => {
      if (old.columns.some((c) => c.name === n.name)) return;
      const why = shapeChange(old, oldChildren, { column: n.source });
      if (why) conflicts.push({ field: `structure.tables[${i}].columns[${j}].source`, message: why });
      else ops.push({ op: 'add-column', table: t.name, column: n });
    });
  }
  to.tables.forEach((t, i) => {
    if (from.tables.some((o) => o.name === t.name)) return;
    const parent = from.tables.find((o) => o.name === t.parent);
    const why = parent ? shapeChange(parent, from.tables.filter((c) => c.parent === parent.name), { table: t.path }) : undefined;
    if (why) conflicts.push({ field: `structure.tables[${i}].path`, message: why });
    else ops.push({ op: 'create-table', table: t });
  });
  return { ops, conflicts };
}

/** One line per op, for the answer and the audit record. */
export function describeOp(o: MigrationOp): string {
  switch (o.op) {
    case 'create-schema':
      return 'create the tenant schema if missing';
    case 'create-table':
      return `create table ${o.table.name}`;
    case 'add-column':
      return `add column ${o.table}.${o.column.name} (${o.column.type})`;
    case 'widen-column':
      return `change column ${o.table}.${o.column} from ${o.from} to ${o.to}`;
  }
}
