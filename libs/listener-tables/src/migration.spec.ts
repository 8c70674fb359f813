import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ListenerStructure } from '@hookline/contracts';
import { dropTablesSql, migrationSql } from './ddl';
import { generateStructure } from './generator';
import { describeOp, planMigration } from './migration';

const base = generateStructure({ baseName: 'orders', sample: { id: 1, title: 't', lines: [{ sku: 's' }] } }).structure;
const copy = (s: ListenerStructure) => JSON.parse(JSON.stringify(s)) as ListenerStructure;

describe('planMigration', () => {
  it('a first structure creates the schema and every table', () => {
    assert.deepEqual(planMigration(null, base).ops.map(describeOp), ['create the tenant schema if missing', 'create table orders', 'create table orders_lines']);
  });
  it('adds columns and tables, and widens a column to text', () => {
    const next = copy(base);
    next.tables[0].columns.push({ name: 'email', source: ['email'], type: 'text' });
    next.tables[1].columns[0].type = 'jsonb';
    next.tables.push({ name: 'orders_notes', parent: 'orders', path: ['notes'], columns: [{ name: 'text', source: ['text'], type: 'text' }], keyColumns: ['_root_id'], positionColumns: ['_pos1'] });
    const plan = planMigration(base, next);
    assert.deepEqual(plan.conflicts, []);
    assert.deepEqual(plan.ops.map(describeOp), ['add column orders.email (text)', 'change column orders_lines.sku from text to jsonb', 'create table orders_notes']);
  });
  const conflicts: [string, (s: ListenerStructure) => void, string][] = [
    ['dropping a column', (s) => s.tables[0].columns.splice(1, 1), 'structure.tables[0].columns'],
    ['dropping a table', (s) => s.tables.splice(1, 1), 'structure.tables'],
    ['changing the key', (s) => (s.primaryKey = ['title']), 'structure.primaryKey'],
    ['narrowing a column', (s) => (s.tables[0].columns[1].type = 'numeric'), 'structure.tables[0].columns[1].type'],
    ['changing a key column type', (s) => (s.tables[0].columns[0].type = 'text'), 'structure.tables[0].columns[0].type'],
    ['reading another field into a column', (s) => (s.tables[0].columns[1].source = ['other']), 'structure.tables[0].columns[1].source'],
    ['renaming the root table', (s) => (s.tables[0].name = 'orders2'), 'structure.tables[0].name'],
    ['moving the root path', (s) => (s.rootPath = ['data']), 'structure.rootPath'],
    // A field's shape: what the tables accept now must still fit after the change.
    ['a table where a column reads a value', (s) => s.tables.push({ name: 'orders_title', parent: 'orders', path: ['title'], columns: [{ name: 'k', source: ['k'], type: 'text' }], keyColumns: ['_root_id'], positionColumns: ['_pos1'] }), 'structure.tables[2].path'],
    ['a column under a field a column reads as a value', (s) => s.tables[0].columns.push({ name: 'title_x', source: ['title', 'x'], type: 'text' }), 'structure.tables[0].columns[2].source'],
    ['a column reading a table\'s array', (s) => s.tables[0].columns.push({ name: 'lines', source: ['lines'], type: 'jsonb' }), 'structure.tables[0].columns[2].source'],
    ['a column under a table\'s array', (s) => s.tables[0].columns.push({ name: 'lines_sku', source: ['lines', 'sku'], type: 'text' }), 'structure.tables[0].columns[2].source'],
  ];
  it('a column or a table under a new object field fits', () => {
    const next = copy(base);
    next.tables[0].columns.push({ name: 'meta_a', source: ['meta', 'a'], type: 'text' });
    next.tables.push({ name: 'orders_meta_tags', parent: 'orders', path: ['meta', 'tags'], columns: [{ name: 'k', source: ['k'], type: 'text' }], keyColumns: ['_root_id'], positionColumns: ['_pos1'] });
    const plan = planMigration(base, next);
    assert.deepEqual(plan.conflicts, []);
    assert.deepEqual(plan.ops.map(describeOp), ['add column orders.meta_a (text)', 'create table orders_meta_tags']);
  });
  for (const [name, change, field] of conflicts) {
    it(`refuses ${name}`, () => {
      const next = copy(base);
      change(next);
      assert.ok(planMigration(base, next).conflicts.some((c) => c.field === field), JSON.stringify(planMigration(base, next).conflicts));
    });
  }
});

describe('migrationSql', () => {
  it('creates keyed, cascading tables with quoted, schema-qualified names', () => {
    assert.deepEqual(migrationSql('tenant_acme', base, planMigration(null, base).ops), [
      'CREATE SCHEMA IF NOT EXISTS "tenant_acme"',
      'CREATE TABLE "tenant_acme"."orders" ("id" numeric, "title" text, "last_modified" timestamptz NOT NULL, PRIMARY KEY ("id"))',
      'CREATE INDEX ON "tenant_acme"."orders" ("last_modified")',
      'CREATE TABLE "tenant_acme"."orders_lines" ("_root_id" numeric NOT NULL, "_pos1" integer NOT NULL, "sku" text, PRIMARY KEY ("_root_id", "_pos1"), FOREIGN KEY ("_root_id") REFERENCES "tenant_acme"."orders" ("id") ON DELETE CASCADE)',
    ]);
  });
  it('quotes a name holding a double quote by doubling it', () => {
    const s = copy(base);
    s.tables[0].columns[1].name = 'a"b';
    assert.match(migrationSql('t', s, [{ op: 'add-column', table: 'orders', column: s.tables[0].columns[1] }])[0], /ADD COLUMN "a""b" text$/);
  });
  it('drops children first', () => assert.deepEqual(dropTablesSql('t', base), ['DROP TABLE IF EXISTS "t"."orders_lines" CASCADE', 'DROP TABLE IF EXISTS "t"."orders" CASCADE']));
});
