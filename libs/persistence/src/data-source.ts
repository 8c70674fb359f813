import { DataSource, MigrationExecutor } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { MIGRATIONS } from './migrations';

export function dataSourceOptions(url: string, poolSize: number, applicationName: string): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName,
    poolSize,
    extra: { connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 },
  };
}

/** Applies every pending migration under a PostgreSQL advisory lock, so instances starting together take turns. */
export async function runMigrations(url: string): Promise<string[]> {
  const ds = new DataSource({ ...dataSourceOptions(url, 2, 'hookline-migrate'), migrations: MIGRATIONS, migrationsTableName: 'hookline_migrations' });
  await ds.initialize();
  try {
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock(726175)');
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock(726175)').catch(() => undefined);
      await runner.release();
    }
  } finally {
    await ds.destroy();
  }
}

/** The migrations this build holds that the database has not applied yet, oldest first. Reads only. */
export async function pendingMigrations(url: string): Promise<string[]> {
  const ds = new DataSource({ ...dataSourceOptions(url, 1, 'hookline-migrate-wait'), migrations: MIGRATIONS, migrationsTableName: 'hookline_migrations' });
  await ds.initialize();
  try {
    return (await new MigrationExecutor(ds).getPendingMigrations()).map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

export class SchemaNotCurrentError extends Error {
  constructor(readonly pending: readonly string[], waitedMs: number) {
    super(`the database still lacks ${pending.length} migration(s) this version needs after ${Math.round(waitedMs / 1000)} s: ${pending.join(', ')} (has the migration job run?)`);
    this.name = 'SchemaNotCurrentError';
  }
}

/**
 * Waits until the database holds every migration this build knows, applying none (what a
 * Kubernetes pod's init container runs while the release's migration Job does the work).
 * A database with migrations this build does not know, a newer release's, is current
 * enough: rolling back the services is allowed, migrations only add.
 */
export async function waitForSchema(url: string, opts: { timeoutMs: number; intervalMs?: number; onWait?: (pending: string[] | Error) => void }): Promise<void> {
  const started = Date.now();
  let pending: string[] = [];
  for (;;) {
    try {
      pending = await pendingMigrations(url);
      if (pending.length === 0) return;
      opts.onWait?.(pending);
    } catch (err) {
      // PostgreSQL not reachable yet (a new cluster, a failover): keep waiting.
      opts.onWait?.(err as Error);
    }
    if (Date.now() - started >= opts.timeoutMs) throw new SchemaNotCurrentError(pending, Date.now() - started);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 2000));
  }
}
