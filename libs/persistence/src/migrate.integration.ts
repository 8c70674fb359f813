// The migration runner against a real PostgreSQL: `--wait` (the services' init
// containers on Kubernetes) applies nothing and returns once the migration job has done
// its work; a timeout names what is missing.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource, type QueryRunner } from 'typeorm';
import { dataSourceOptions, pendingMigrations, runMigrations, SchemaNotCurrentError, waitForSchema } from './data-source';
import { MIGRATIONS } from './migrations';
import { LogCompression1765000000000 } from './migrations/1765000000000-log-compression';
import { ListenerPreviousTokens1765100000000 } from './migrations/1765100000000-listener-previous-tokens';

// @hookline/testing and @hookline/local-stack depend on this library, so it cannot use
// them: the runner's PostgreSQL comes straight from the variable they read.
// eslint-disable-next-line no-restricted-properties -- test harness settings, not service configuration
const { HOOKLINE_TEST_PG_URL: adminUrl, PATH } = process.env;
const REPO_ROOT = join(__dirname, '..', '..', '..');

function cli(args: string[], databaseUrl: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'migrate.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: PATH ?? '', HOOKLINE_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

const skip = !adminUrl && 'HOOKLINE_TEST_PG_URL is not set (run through npm test)';
const names: string[] = [];
const admin = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
};
after(async () => {
  if (names.length === 0) return;
  await admin(async (c) => {
    for (const n of names) await c.query(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`);
  });
});
const emptyDatabase = async () => {
  const name = `migwait_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  names.push(name);
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const u = new URL(adminUrl ?? '');
  u.pathname = `/${name}`;
  return u.toString();
};

/** A query runner on a database with every migration applied. */
const withMigratedRunner = async (fn: (runner: QueryRunner) => Promise<void>): Promise<void> => {
  const url = await emptyDatabase();
  await runMigrations(url);
  const ds = new DataSource({ ...dataSourceOptions(url, 1, 'hookline-migrate-test') });
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await fn(runner);
  } finally {
    await runner.release();
    await ds.destroy();
  }
};
describe('migrate --wait', { skip }, () => {
  it('lists every migration as pending on an empty database, and none once applied', async () => {
    const url = await emptyDatabase();
    assert.equal((await pendingMigrations(url)).length, MIGRATIONS.length);
    await runMigrations(url);
    assert.deepEqual(await pendingMigrations(url), []);
  });

  it('waits for the migrations another process applies, then returns', async () => {
    const url = await emptyDatabase();
    const waits: unknown[] = [];
    const waiting = waitForSchema(url, { timeoutMs: 60_000, intervalMs: 100, onWait: (p) => waits.push(p) });
    await new Promise((r) => setTimeout(r, 300));
    await runMigrations(url);
    await waiting;
    assert.ok(waits.length > 0, 'it waited before the migrations ran');
  });

  it('gives up after its timeout, naming the missing migrations', async () => {
    const url = await emptyDatabase();
    await assert.rejects(waitForSchema(url, { timeoutMs: 200, intervalMs: 50 }), (err: unknown) => err instanceof SchemaNotCurrentError && err.pending.length === MIGRATIONS.length && /has the migration job run/.test(err.message));
  });

  it('as a command: exits 1 while migrations are missing, 0 once the schema is current, and applies none itself', async () => {
    const url = await emptyDatabase();
    const early = await cli(['--wait', '--timeout=1s'], url);
    assert.equal(early.code, 1, early.out);
    assert.match(early.out, /waiting for the migration job: \d+ migration\(s\) pending/);
    assert.match(early.out, /still lacks \d+ migration\(s\)/);
    assert.equal((await pendingMigrations(url)).length, MIGRATIONS.length, '--wait applied nothing');
    const applied = await cli([], url);
    assert.equal(applied.code, 0, applied.out);
    assert.match(applied.out, /applied migrations: /);
    const current = await cli(['--wait', '--timeout=5s'], url);
    assert.equal(current.code, 0, current.out);
    assert.match(current.out, /the database schema is current/);
  });
});

describe('the logs\' compression (migration LogCompression1765000000000)', { skip }, () => {
  it("compresses the logs' large values with lz4, and reads them back as written", async () => {
    const url = await emptyDatabase();
    await runMigrations(url);
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      // The test server is Debian's PostgreSQL, built with lz4.
      const cols = await c.query<{ col: string; method: string }>(
        `SELECT attrelid::regclass || '.' || attname AS col, attcompression::text AS method FROM pg_attribute
         WHERE (attrelid, attname) IN (('audit_events'::regclass, 'data'), ('deliveries'::regclass, 'body'),
           ('delivery_attempts'::regclass, 'request_body'), ('delivery_attempts'::regclass, 'response_body')) ORDER BY 1`,
      );
      assert.deepEqual(
        cols.rows.map((r) => [r.col, r.method]),
        [
          ['audit_events.data', 'l'],
          ['deliveries.body', 'l'],
          ['delivery_attempts.request_body', 'l'],
          ['delivery_attempts.response_body', 'l'],
        ],
      );
      // A body large enough to be compressed (a 20 KB webhook), and a small one, which is not.
      const big = JSON.stringify({ items: Array.from({ length: 400 }, (_, i) => ({ i, name: `item ${i}`, tags: ['a', 'b'] })) });
      assert.ok(big.length > 16_000);
      const ids = ['018f0000-0000-8000-8000-000000000001', '018f0000-0000-8000-8000-000000000002'];
      await c.query(`INSERT INTO deliveries (id, tenant_id, kind, created_at, body) VALUES ($1, 't', 'webhook', now(), $2), ($3, 't', 'webhook', now(), '{"small":true}')`, [ids[0], big, ids[1]]);
      const rows = await c.query<{ id: string; body: string; method: string | null }>('SELECT id, body, pg_column_compression(body) AS method FROM deliveries ORDER BY id');
      assert.deepEqual(
        rows.rows.map((r) => [r.id, r.method]),
        [
          [ids[0], 'lz4'],
          [ids[1], null],
        ],
      );
      assert.equal(rows.rows[0].body, big);
    } finally {
      await c.end();
    }
  });

  it("keeps a listener's previous token, with its end, when its one column becomes a list", () =>
    withMigratedRunner(async (runner) => {
      const migration = new ListenerPreviousTokens1765100000000();
      await migration.down(runner);
      await runner.query(`INSERT INTO listener_services (tenant_id, id, name, created_at, updated_at) VALUES ('t', '018f0000-0000-8000-8000-0000000000aa', 's', now(), now())`);
      const listener = (id: string, previous: string | null, until: string | null) =>
        runner.query(
          `INSERT INTO listeners (tenant_id, id, service_id, name, enabled, retention_seconds, auth, token_digest, previous_token_digest, previous_token_valid_until, body_dedup_seconds, keep_logs, created_at, updated_at)
           VALUES ('t', $1::uuid, '018f0000-0000-8000-8000-0000000000aa', $1::text, true, 60, '{"method":"token"}', 'current', $2, $3, 60, 100, now(), now())`,
          [id, previous, until],
        );
      await listener('018f0000-0000-8000-8000-000000000001', 'earlier', '2026-12-06T12:30:00.123+01:00');
      await listener('018f0000-0000-8000-8000-000000000002', null, null);
      await migration.up(runner);
      const rows: { id: string; previous_tokens: unknown }[] = await runner.query('SELECT id, previous_tokens FROM listeners ORDER BY id');
      assert.deepEqual(
        rows.map((r) => r.previous_tokens),
        [[{ digest: 'earlier', validUntil: '2026-12-06T11:30:00.123Z' }], []],
      );
    }));

  it('takes the compression back when rolled back', () =>
    withMigratedRunner(async (runner) => {
      await new LogCompression1765000000000().down(runner);
      const r = await runner.query(`SELECT attcompression::text AS method FROM pg_attribute WHERE attrelid = 'deliveries'::regclass AND attname = 'body'`);
      assert.equal(r[0].method, '', 'the server default again');
    }));
});
