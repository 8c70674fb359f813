// The whole platform on one machine: nats-server with JetStream on disk, PostgreSQL,
// migrations, the six services and the gateway. Used by `npm start` and by the
// end-to-end tests, so the tests start the system exactly as a user does.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { SERVICE_NAMES, type ServiceName } from '@hookline/contracts';
import { runMigrations } from '@hookline/persistence';
import { demoHost } from './demo-host';
import { Gateway, startGateway } from './gateway';
import { MailSink, startMailSink } from './mail-sink';
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
  /** The local SMTP sink's port (default: a free one). */
  smtpPort?: number;
  /** The registry's gRPC admin API port (default: httpPort + 7 with fixedServicePorts, else a free one). */
  grpcPort?: number;
}

export interface Stack {
  url: string;
  nats: NatsServerHandle;
  postgres?: PostgresHandle;
  databaseUrl: string;
  services: Record<ServiceName, ServiceHandle>;
  gateway: Gateway;
  /** The local SMTP sink e-mail deliveries go to (HOOKLINE_SMTP_URL), unless the environment names another server. */
  mail: MailSink;
  /** The environment every service got. */
  env: Record<string, string>;
  /** host:port of the registry's gRPC admin API (HOOKLINE_GRPC_PORT). */
  grpcAddress: string;
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
    const mail = await startMailSink({ dir: join(opts.dataDir, 'mail'), port: opts.smtpPort });
    started.push({ stop: () => mail.close() });
    const publicUrl = `http://${host}:${httpPort}`;
    const grpcPort = opts.grpcPort ?? (opts.fixedServicePorts ? httpPort + 1 + SERVICE_NAMES.length : await freePort());
    const env: Record<string, string> = {
      HOOKLINE_NATS_URL: nats.url,
      HOOKLINE_DATABASE_URL: databaseUrl,
      HOOKLINE_LISTEN_HOST: '127.0.0.1',
      // On one machine: e-mails go to the local sink, the OpenID provider's issuer is the
      // gateway's /oidc, and the demo host's page (/local/sign-in) stands in for the host's sign-in.
      HOOKLINE_SMTP_URL: mail.url,
      HOOKLINE_OIDC_ISSUER: `${publicUrl}/oidc`,
      HOOKLINE_OIDC_SIGNIN_URL: `${publicUrl}/local/sign-in`,
      // The registry answers the admin API over gRPC too (the other services do not read it).
      HOOKLINE_GRPC_PORT: String(grpcPort),
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
    const local = demoHost({ apiUrl: publicUrl, operatorToken: env.HOOKLINE_OPERATOR_TOKEN ?? '', mail });
    const gateway = await startGateway(host, httpPort, ports, local);
    started.push({ stop: () => gateway.close() });
    return {
      url: gateway.url,
      nats,
      postgres,
      databaseUrl,
      services,
      gateway,
      mail,
      env,
      grpcAddress: `127.0.0.1:${env.HOOKLINE_GRPC_PORT}`,
      async stop() {
        for (const s of started.reverse()) await s.stop().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}
