// The whole platform on one machine: nats-server with JetStream on disk, PostgreSQL,
// migrations, the six services and the gateway. Used by `npm start` and by the
// end-to-end tests, so the tests start the system exactly as a user does.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { SERVICE_NAMES, type ServiceName } from '@hookline/contracts';
import { runMigrations } from '@hookline/persistence';
import { Gateway, startGateway } from './gateway';
import { NatsServerHandle, startNatsServer } from './nats-server';
import { freePort } from './ports';
import { PostgresHandle, startPostgres } from './postgres-server';
import { createService, ServiceHandle } from './service-process';

export interface StackOptions {
  dataDir: string;
  host?: string;
  httpPort?: number;
  natsPort?: number;
  pgPort?: number;
  /** Use this PostgreSQL server (superuser URL) instead of starting one; the stack gets its own database. */
  postgresAdminUrl?: string;
  database?: string;
  /** Fixed ports for the services (httpPort+1...) instead of free ones. */
  fixedServicePorts?: boolean;
  env: Record<string, string>;
  services?: readonly ServiceName[];
  echo?: boolean;
  fastPostgres?: boolean;
  /** Extra settings for the PostgreSQL the stack starts (ignored with postgresAdminUrl). */
  postgresSettings?: Readonly<Record<string, string | number | boolean>>;
}

export interface Stack {
  url: string;
  nats: NatsServerHandle;
  postgres?: PostgresHandle;
  databaseUrl: string;
  services: Record<ServiceName, ServiceHandle>;
  gateway: Gateway;
  /** The environment every service got. */
  env: Record<string, string>;
  /** Further instances of a service started with addReplica (the gateway keeps sending HTTP to the first). */
  replicas: Record<ServiceName, ServiceHandle[]>;
  /**
   * Starts one more instance of a service, on a port of its own, against the same NATS and
   * PostgreSQL (as a deployment runs several): its log is .../logs/<name>-<n>.log.
   */
  addReplica(name: ServiceName, extraEnv?: Record<string, string>): Promise<ServiceHandle>;
  stop(): Promise<void>;
}

/** Creates the database on the server at adminUrl unless it exists; its URL. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const host = opts.host ?? '127.0.0.1';
  mkdirSync(join(opts.dataDir, 'logs'), { recursive: true });
  const started: { stop(): Promise<unknown> }[] = [];
  try {
    const nats = await startNatsServer({ storeDir: join(opts.dataDir, 'nats'), port: opts.natsPort });
    started.push(nats);
    let postgres: PostgresHandle | undefined;
    let adminUrl = opts.postgresAdminUrl;
    if (!adminUrl) {
      postgres = await startPostgres({ dataDir: join(opts.dataDir, 'postgres'), port: opts.pgPort, fast: opts.fastPostgres, settings: opts.postgresSettings });
      started.push(postgres);
      adminUrl = postgres.url();
    }
    const databaseUrl = await ensureDatabase(adminUrl, opts.database ?? 'hookline');
    await runMigrations(databaseUrl);

    const httpPort = opts.httpPort ?? (await freePort());
    const env: Record<string, string> = {
      HOOKLINE_NATS_URL: nats.url,
      HOOKLINE_DATABASE_URL: databaseUrl,
      HOOKLINE_LISTEN_HOST: '127.0.0.1',
      ...opts.env,
    };
    const names = opts.services ?? SERVICE_NAMES;
    const services = {} as Record<ServiceName, ServiceHandle>;
    for (const [i, name] of SERVICE_NAMES.entries()) {
      const port = opts.fixedServicePorts ? httpPort + 1 + i : await freePort();
      services[name] = createService(name, port, env, { logFile: join(opts.dataDir, 'logs', `${name}.log`), echo: opts.echo });
    }
    const running = names.map((n) => services[n]);
    // Every handle, not only those started here: a caller may start the others later
    // (stop() of a handle that never ran is a no-op).
    started.push({ stop: () => Promise.all(SERVICE_NAMES.map((n) => services[n].stop())) });
    await Promise.all(running.map((s) => s.start()));
    const ports = Object.fromEntries(SERVICE_NAMES.map((n) => [n, services[n].port])) as Record<ServiceName, number>;
    const gateway = await startGateway(host, httpPort, ports);
    started.push({ stop: () => gateway.close() });
    const replicas = Object.fromEntries(SERVICE_NAMES.map((n) => [n, [] as ServiceHandle[]])) as Record<ServiceName, ServiceHandle[]>;
    // Stopped before the services they share NATS and PostgreSQL with (stop() runs this list backwards).
    started.push({ stop: () => Promise.all(SERVICE_NAMES.flatMap((n) => replicas[n].map((r) => r.stop()))) });
    return {
      url: gateway.url,
      nats,
      postgres,
      databaseUrl,
      services,
      gateway,
      env,
      replicas,
      async addReplica(name, extraEnv = {}) {
        const n = replicas[name].length + 2;
        const handle = createService(name, await freePort(), env, { logFile: join(opts.dataDir, 'logs', `${name}-${n}.log`), echo: opts.echo });
        replicas[name].push(handle);
        await handle.start(extraEnv);
        return handle;
      },
      async stop() {
        for (const s of started.reverse()) await s.stop().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}
