// `npm run migrate` (compiled: node dist/libs/persistence/src/migrate.js): applies pending
// migrations to HOOKLINE_DATABASE_URL under an advisory lock, so two runs never migrate at
// once (the Kubernetes migration Job runs this).
//
// `--wait [--timeout=<duration>]` applies nothing: it waits until the database holds every
// migration this build knows, and exits 0 then, or 1 after the timeout (default 10m). The
// services' init containers run it, so a new version's pods start only once the
// release's migration Job is done.
import 'reflect-metadata';
import { ConfigError, databaseConfig, parseDuration, readConfig } from '@hookline/config';
import { runMigrations, waitForSchema } from './data-source';

function option(name: string): string | undefined {
  const arg = process.argv.slice(2).find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (arg === undefined) return undefined;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : '';
}

async function main(): Promise<void> {
  const config = readConfig(databaseConfig);
  if (option('wait') !== undefined) {
    const timeoutMs = parseDuration(option('timeout') || '10m');
    let said = '';
    await waitForSchema(config.databaseUrl, {
      timeoutMs,
      onWait: (pending) => {
        const line = pending instanceof Error ? `waiting for the database: ${pending.message}` : `waiting for the migration job: ${pending.length} migration(s) pending (${pending.join(', ')})`;
        if (line !== said) process.stdout.write(`${line}\n`);
        said = line;
      },
    });
    process.stdout.write('the database schema is current\n');
    return;
  }
  const applied = await runMigrations(config.databaseUrl);
  process.stdout.write(applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'database is up to date\n');
}

main().catch((err: unknown) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `migration failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
