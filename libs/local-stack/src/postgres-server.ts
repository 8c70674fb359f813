// A real PostgreSQL cluster in a folder of ours. initdb and postgres refuse to run as
// root, so as root they run as the "postgres" system user (the Debian package makes it);
// where that user cannot reach the folder, the cluster lives elsewhere (postgres-data.ts).
import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { findPostgresBin } from './binaries';
import { LocalSetupError, placeCluster, type PostgresOwner } from './postgres-data';
import { freePort, StopWaiting, waitFor } from './ports';
import type { ProcessExit } from './service-process';

export interface PostgresHandle {
  port: number;
  dataDir: string;
  /** Where the cluster's files are: `<dataDir>/pgdata`, or the folder that symlink points to. */
  pgdata: string;
  /** Set when the postgres user could not reach dataDir and the cluster lives there instead. */
  relocatedTo?: string;
  /** Superuser URL for the given database. */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and deletes its data: dataDir, and the relocated folder if there is one. */
  destroy(): Promise<void>;
  /** The postmaster's process id. */
  pid(): number | undefined;
  /** Called each time the postmaster ends; `requested` when kill(), stop() or destroy() ended it. */
  onExit(listener: (exit: ProcessExit) => void): void;
}

function asPostgresUser(): PostgresOwner | undefined {
  if (userInfo().uid !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { stdio: 'pipe' }).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { stdio: 'pipe' }).toString().trim());
    return { uid, gid, name: 'postgres' };
  } catch {
    throw new LocalSetupError('PostgreSQL refuses to run as root, and this machine has no "postgres" user to run it as: install the postgresql package (apt-get install postgresql), which creates it, or start as another user');
  }
}

export interface PostgresOptions {
  dataDir: string;
  port?: number;
  /**
   * Trade durability for speed (fsync, synchronous_commit and full_page_writes off), for
   * throwaway test databases only: a commit returns before its WAL is written, so a killed
   * server can lose its last commits. Fault tests that kill PostgreSQL run one without it.
   */
  fast?: boolean;
  /** Extra server settings passed as `-c name=value` (e.g. shared_preload_libraries for pg_stat_statements). */
  settings?: Readonly<Record<string, string | number | boolean>>;
}

export async function startPostgres(opts: PostgresOptions): Promise<PostgresHandle> {
  const bin = findPostgresBin();
  const port = opts.port ?? (await freePort());
  const owner = asPostgresUser();
  const { pgdata, socketDir, relocatedTo } = placeCluster({ dataDir: opts.dataDir, owner });
  mkdirSync(socketDir, { recursive: true });
  if (owner) {
    // In place, postgres creates pgdata in dataDir; relocated, its own folder is already its.
    if (!relocatedTo) chownSync(opts.dataDir, owner.uid, owner.gid);
    chownSync(socketDir, owner.uid, owner.gid);
  }
  const ids = owner ? { uid: owner.uid, gid: owner.gid } : {};
  if (!existsSync(join(pgdata, 'PG_VERSION'))) {
    execFileSync(join(bin, 'initdb'), ['-D', pgdata, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale'], { ...ids, stdio: 'pipe', cwd: '/' });
    writeFileSync(join(pgdata, 'postgresql.auto.conf'), "listen_addresses = '127.0.0.1'\nmax_connections = 300\n");
    if (owner) chownSync(join(pgdata, 'postgresql.auto.conf'), owner.uid, owner.gid);
  }
  let child: ChildProcess | undefined;
  let out = '';
  let requested = false;
  const exitListeners: ((exit: ProcessExit) => void)[] = [];
  const args = ['-D', pgdata, '-p', String(port), '-k', socketDir];
  // Tests trade crash safety of the OS for speed; a killed postgres process still recovers from WAL.
  if (opts.fast) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  for (const [name, value] of Object.entries(opts.settings ?? {})) args.push('-c', `${name}=${String(value)}`);
  const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const handle: PostgresHandle = {
    port,
    dataDir: opts.dataDir,
    pgdata,
    relocatedTo,
    url,
    async start() {
      requested = false;
      child = spawn(join(bin, 'postgres'), args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
      const c = child;
      c.once('exit', (code, signal) => {
        for (const l of exitListeners) l({ code, signal, requested });
      });
      c.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
      c.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
      await waitFor(`postgres on ${port}`, async () => {
        if (c.exitCode !== null) throw new StopWaiting(`postgres exited: ${out.slice(-2000)}`);
        const client = new Client({ connectionString: url() });
        try {
          await client.connect();
          await client.query('SELECT 1');
          return true;
        } finally {
          await client.end().catch(() => undefined);
        }
      }, 60_000, 100);
    },
    async createDatabase(name: string) {
      const client = new Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async kill(signal = 'SIGKILL') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      requested = true;
      c.kill(signal);
      await gone;
    },
    async stop() {
      // SIGINT is PostgreSQL's "fast shutdown": disconnect clients, checkpoint, exit.
      await handle.kill('SIGINT');
    },
    async destroy() {
      await handle.stop();
      rmSync(opts.dataDir, { recursive: true, force: true });
      if (relocatedTo) rmSync(relocatedTo, { recursive: true, force: true });
    },
    pid: () => child?.pid,
    onExit: (listener) => void exitListeners.push(listener),
  };
  await handle.start();
  return handle;
}
