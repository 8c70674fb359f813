// A database of its own for an integration test, on the PostgreSQL server the test runner
// started: created under a unique name, migrated, and dropped when the test is done.
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { ensureDatabase } from '@hookline/local-stack';
import { dataSourceOptions, runMigrations } from '@hookline/persistence';
import { sharedPostgresUrl, uniqueName } from './test-env';

export interface TestDatabase {
  name: string;
  url: string;
  /** The migrations applied when it was created, oldest first. */
  migrations: string[];
  /** Drops the database, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

export interface TestDataSource extends TestDatabase {
  /** Initialized; drop() destroys it first. */
  dataSource: DataSource;
}

function adminUrl(): string {
  const url = sharedPostgresUrl();
  if (!url) throw new Error('HOOKLINE_TEST_PG_URL is not set (run through npm test)');
  return url;
}

/** A new, migrated database named `<prefix>_<unique suffix>`. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const admin = adminUrl();
  const name = uniqueName(prefix);
  const url = await ensureDatabase(admin, name);
  const migrations = await runMigrations(url);
  const drop = async () => {
    const client = new Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  return { name, url, migrations, drop };
}

/** createTestDatabase, and a TypeORM DataSource on it (application name "test"; no entities unless given). */
export async function createTestDataSource(prefix: string, opts: { poolSize?: number; entities?: PostgresConnectionOptions['entities'] } = {}): Promise<TestDataSource> {
  const db = await createTestDatabase(prefix);
  const options = dataSourceOptions(db.url, opts.poolSize ?? 2, 'test');
  const dataSource = new DataSource(opts.entities ? { ...options, entities: opts.entities } : options);
  try {
    await dataSource.initialize();
  } catch (err) {
    await db.drop().catch(() => undefined);
    throw err;
  }
  const drop = async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await db.drop();
  };
  return { ...db, dataSource, drop };
}
