// The whole platform on one machine: nats-server with JetStream on disk, PostgreSQL,
// migrations, the six services and the gateway. Used by `npm start` and by the
// end-to-end tests, so the tests start the system exactly as a user does.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { SERVICE_NAMES, type ServiceName } from '@hookline/contracts';
import { demoHost } from './demo-host';
import { Gateway, startGateway } from './gateway';
import { MailSink, startMailSink } from './mail-sink';
import { NatsServerHandle, startNatsServer } from './nats-server';
import { freePort, portOpen } from './ports';
import { PostgresHandle, startPostgres } from './postgres-server';
import { createService, REPO_ROOT, ServiceHandle } from './service-process';
import { Supervisor, type SupervisedProcess, type SupervisorOptions } from './supervisor';

export interface StackOptions {
  dataDir: string;
  host?: string;
  httpPort?: number;
  natsPort?: number;
  /** nats-server's monitoring port (`/varz`); none unless given. */
  natsMonitorPort?: number;
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
  /**
   * Run the compiled build (`npm run build`, dist/) with plain node, migrations included,
   * instead of the TypeScript sources through @swc-node/register.
   */
  compiled?: boolean;
  /**
   * Restart whatever dies on its own (services, nats-server, the PostgreSQL the stack
   * started) with backoff, and list every process at the gateway's /health. Off for the
   * test stacks, which kill and restart processes themselves.
   */
  supervise?: boolean | Omit<SupervisorOptions, 'logFile'>;
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
  /** Set when the stack supervises its processes. */
  supervisor?: Supervisor;
  /** Further instances of a service started with addReplica (the gateway keeps sending HTTP to the first). */
  replicas: Record<ServiceName, ServiceHandle[]>;
  /**
   * Starts one more instance of a service, on a port of its own, against the same NATS and
   * PostgreSQL (as a deployment runs several): its log is .../logs/<name>-<n>.log.
   */
  addReplica(name: ServiceName, extraEnv?: Record<string, string>): Promise<ServiceHandle>;
  /** host:port of the registry's gRPC admin API (HOOKLINE_GRPC_PORT). */
  grpcAddress: string;
  stop(): Promise<void>;
}

/** Where `npm run build` writes the migration runner (`npm run migrate` compiled; the image's migration Job). */
export const COMPILED_MIGRATE = join(REPO_ROOT, 'dist', 'libs', 'persistence', 'src', 'migrate.js');

/** Applies the migrations with the compiled runner, as the Kubernetes migration Job does. */
export async function runCompiledMigrations(databaseUrl: string): Promise<string> {
  if (!existsSync(COMPILED_MIGRATE)) throw new Error(`${COMPILED_MIGRATE} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [COMPILED_MIGRATE], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOOKLINE_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`migrations failed (${COMPILED_MIGRATE} exited with ${code}): ${out}`);
  return out;
}

function supervised(name: string, kind: SupervisedProcess['kind'], h: Omit<SupervisedProcess, 'name' | 'kind'>): SupervisedProcess {
  return { name, kind, pid: () => h.pid(), start: () => h.start(), kill: (s) => h.kill(s), onExit: (l) => h.onExit(l), ready: h.ready };
}

async function serviceReady(url: string): Promise<{ ready: boolean; detail?: string }> {
  const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3000) });
  if (res.status === 200) return { ready: true };
  const body = (await res.json().catch(() => ({}))) as { checks?: Record<string, unknown> };
  return { ready: false, detail: `/ready answered ${res.status}${body.checks ? ` ${JSON.stringify(body.checks)}` : ''}` };
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
    const nats = await startNatsServer({ storeDir: join(opts.dataDir, 'nats'), port: opts.natsPort, monitorPort: opts.natsMonitorPort });
    started.push(nats);
    let postgres: PostgresHandle | undefined;
    let adminUrl = opts.postgresAdminUrl;
    if (!adminUrl) {
      postgres = await startPostgres({ dataDir: join(opts.dataDir, 'postgres'), port: opts.pgPort, fast: opts.fastPostgres, settings: opts.postgresSettings });
      started.push(postgres);
      adminUrl = postgres.url();
    }
    const databaseUrl = await ensureDatabase(adminUrl, opts.database ?? 'hookline');
    if (opts.compiled) await runCompiledMigrations(databaseUrl);
    // Loaded only here: TypeORM and the migrations are 30 MB a launcher running the compiled build need not hold.
    else await (require('./migrate-in-process') as typeof import('./migrate-in-process')).runMigrations(databaseUrl);

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
      services[name] = createService(name, port, env, { logFile: join(opts.dataDir, 'logs', `${name}.log`), echo: opts.echo, compiled: opts.compiled });
    }
    const running = names.map((n) => services[n]);
    // Every handle, not only those started here: a caller may start the others later
    // (stop() of a handle that never ran is a no-op).
    started.push({ stop: () => Promise.all(SERVICE_NAMES.map((n) => services[n].stop())) });
    await Promise.all(running.map((s) => s.start()));
    const ports = Object.fromEntries(SERVICE_NAMES.map((n) => [n, services[n].port])) as Record<ServiceName, number>;
    const local = demoHost({ apiUrl: publicUrl, operatorToken: env.HOOKLINE_OPERATOR_TOKEN ?? '', mail });
    let supervisor: Supervisor | undefined;
    if (opts.supervise) {
      supervisor = new Supervisor({ ...(opts.supervise === true ? {} : opts.supervise), logFile: join(opts.dataDir, 'logs', 'supervisor.log') });
      const sup = supervisor;
      // Stopped first on the way down (started is stopped in reverse), so a clean shutdown is not restarted.
      started.push({ stop: async () => sup.stop() });
      sup.watch(supervised('nats-server', 'nats-server', { ...nats, ready: async () => ({ ready: await portOpen(nats.port) }) }));
      if (postgres) {
        const pg = postgres;
        sup.watch(
          supervised('postgres', 'postgres', {
            ...pg,
            ready: async () => {
              const client = new Client({ connectionString: pg.url(), connectionTimeoutMillis: 3000 });
              try {
                await client.connect();
                await client.query('SELECT 1');
                return { ready: true };
              } finally {
                await client.end().catch(() => undefined);
              }
            },
          }),
        );
      }
      for (const s of running) sup.watch(supervised(s.name, 'service', { ...s, start: () => s.start(), ready: () => serviceReady(s.url) }));
    }
    const gateway = await startGateway(host, httpPort, ports, { status: supervisor ? () => supervisor.status() : undefined, local });
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
      mail,
      env,
      supervisor,
      replicas,
      async addReplica(name, extraEnv = {}) {
        const n = replicas[name].length + 2;
        const handle = createService(name, await freePort(), env, { logFile: join(opts.dataDir, 'logs', `${name}-${n}.log`), echo: opts.echo, compiled: opts.compiled });
        replicas[name].push(handle);
        await handle.start(extraEnv);
        return handle;
      },
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
