// `npm run migrate`: applies pending migrations to HOOKLINE_DATABASE_URL.
import 'reflect-metadata';
import { databaseConfig, readConfig, ConfigError } from '@hookline/config';
import { runMigrations } from './data-source';

async function main(): Promise<void> {
  const config = readConfig(databaseConfig);
  const applied = await runMigrations(config.databaseUrl);
  process.stdout.write(applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'database is up to date\n');
}

main().catch((err: unknown) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `migration failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
