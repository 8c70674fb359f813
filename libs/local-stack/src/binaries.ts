// Finds the nats-server and PostgreSQL binaries this machine has.
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export function onPath(name: string, extra: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extra];
  for (const d of dirs) {
    const p = join(d, name);
    if (d && existsSync(p)) return p;
  }
  return undefined;
}

/**
 * HOOKLINE_NATS_SERVER first: `npm start`, `npm test` and `npm run bench` set it to the
 * newer nats-server they unpack from Debian's stable release when the machine's own is
 * older than 2.10 (deploy/local/nats-debian.mjs). Then the machine's own.
 */
export function findNatsServer(): string {
  const chosen = process.env.HOOKLINE_NATS_SERVER;
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`HOOKLINE_NATS_SERVER names ${chosen}, which does not exist`);
    return chosen;
  }
  const p = onPath('nats-server', ['/usr/sbin', '/usr/local/sbin', '/usr/bin']);
  if (!p) throw new Error('nats-server was not found (apt-get install nats-server)');
  return p;
}

/** The directory holding initdb, pg_ctl and postgres; Debian's newest version first. */
export function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const initdb = onPath('initdb');
  if (initdb && onPath('pg_ctl')) return initdb.slice(0, -'/initdb'.length);
  throw new Error('PostgreSQL server binaries were not found (apt-get install postgresql)');
}
