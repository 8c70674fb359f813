// Runs one Hookline service as a child process, the way a user would start it: from
// TypeScript through @swc-node/register (development, `npm start`), or the compiled
// JavaScript `npm run build` wrote to dist/ with plain node (what the image runs).
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ServiceName } from '@hookline/contracts';
import { StopWaiting, waitFor } from './ports';

export interface ServiceHandle {
  name: ServiceName;
  port: number;
  url: string;
  /** Every line the service printed (its pino JSON logs). */
  lines: string[];
  /** Starts the service; `extraEnv` adds to (or overrides) the environment it was created with, for this run. */
  start(extraEnv?: Record<string, string>): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  pid(): number | undefined;
  exitCode(): number | null;
  /**
   * Called each time the process ends, with `requested` true when stop() or kill() ended
   * it and false when it died on its own (or someone else killed it): a supervisor
   * restarts only the latter.
   */
  onExit(listener: (exit: ProcessExit) => void): void;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  requested: boolean;
}

const threeUp = join(__dirname, '..', '..', '..');
/** The checkout: three folders up from here, from the sources or from their compiled copy under dist/ (npm start's launcher). */
export const REPO_ROOT = basename(threeUp) === 'dist' ? dirname(threeUp) : threeUp;

export function serviceEntry(name: ServiceName): string {
  return join(REPO_ROOT, 'services', name, 'src', 'main.ts');
}

/** Where `npm run build` writes a service's entry point. */
export function compiledServiceEntry(name: ServiceName): string {
  return join(REPO_ROOT, 'dist', 'services', name, 'src', 'main.js');
}

/**
 * V8 flags every service runs with, here, in the container's command and in each Kubernetes
 * Deployment (test/deploy checks both). --expose-gc: the one collection of the startup
 * garbage, 10 s after the service listens (libs/http startup-gc.ts). --max-semi-space-size=8
 * (SEMI_SPACE_MB: 16 for webhook-listener) and --heap-growing-percent=40: a heap that stays
 * near what is live after load. By default
 * V8 on a machine with this much memory lets the old generation grow to 4x what survived the
 * last full collection before it collects again, and the young generation to 3 x 16 MB;
 * measured with `npm run bench -- --only accepted,listener,delivered` (three runs each way),
 * the largest service right after the delivered scenario held 222-234 MB with V8's
 * defaults and 143-146 MB with these (the webhook-listener's heap 140 MB held for 30 MB
 * live), with no CPU cost the same runs could tell from their noise.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--expose-gc', '--heap-growing-percent=40'];

/**
 * The young generation's semi-space, in MB (--max-semi-space-size): 8 for every service
 * (see SERVICE_NODE_FLAGS) but webhook-listener, 16. Its apply consumer holds each accepted
 * change from the moment it is pulled until its batch commits (the linger, then about ten
 * round trips to PostgreSQL: 100-200 ms under load), while the ingest answers allocate
 * tens of KB per request; with 8 MB a scavenge came every few tens of milliseconds and
 * much of what the apply held was promoted with its message, its parsed record and its
 * promises (a heap sampling that keeps what full collections free: about 14 KB per
 * request), and the collections' pauses (up to 21 ms) held the ingest answers. In one
 * listener scenario with `--trace-gc`: 1,684 scavenges and 137 full collections with 8 MB,
 * 836 and 112 with 16. Measured with `npm run bench -- --only jetstream,listener` (and
 * `,delivered` for the memory), alternating on 5 December: the p99 of the 202 at half load
 * through the gateway 31.2 / 55.4 / 40.0 / 32.1 ms with 16 against 82.8 / 90.4 / 50.1 /
 * 57.9 ms with 8 (straight 26.8 / 48.5 / 28.8 / 33.8 against 38.6 / 47.9 / 33.1 / 32.2
 * ms), the same CPU per request (0.33 ms either way in the two pairs the machine ran at one
 * speed), and webhook-listener held 135 MB after the delivered scenario against 120 MB
 * (the target is 150).
 */
export const SEMI_SPACE_MB: Readonly<Record<ServiceName, number>> = {
  registry: 8,
  dispatcher: 8,
  signer: 8,
  'retry-scheduler': 8,
  'webhook-listener': 16,
  'audit-log': 8,
};

/**
 * The environment every service starts with, here and in the container image (its ENV;
 * test/deploy checks both); the caller's environment may override it. MALLOC_ARENA_MAX=2:
 * glibc gives each thread that allocates its own malloc arena and keeps the pages of what
 * was freed there, and V8's helper threads (concurrent marking, the optimizing compiler)
 * allocate through malloc; after load those arenas stayed resident. Measured with
 * `npm run bench -- --only listener,delivered` and `--only delivered` (5 December): the
 * webhook-listener after the listener scenario 106 MB against 122-123 MB, the dispatcher
 * after the delivered scenario 128-141 MB against 135-152 MB, and the same CPU per
 * delivery (0.62-0.64 ms against 0.64-0.66 ms). What glibc's heap still keeps after the first
 * load after a start (blocks of 32 to 40 KB; up to 36 MB, a different amount each run) would
 * go with MALLOC_MMAP_THRESHOLD_=32768, at about 0.2 ms more CPU per delivered webhook, and
 * jemalloc cost CPU or idle memory: neither is set (bench/HISTORY.md, *Memory*, with the
 * figures).
 */
export const SERVICE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** A service's environment: SERVICE_ENV, then what it inherits, then what it is given. */
export function serviceEnv(inherited: NodeJS.ProcessEnv, given: Record<string, string>, port: number): NodeJS.ProcessEnv {
  return { ...SERVICE_ENV, ...inherited, ...given, HOOKLINE_LISTEN_PORT: String(port) };
}

/**
 * Services that answer no request a caller waits on: the audit log projects the streams
 * into the logs (in batches up to 200 ms apart) and the retry-scheduler releases retries
 * on a timer. They collect garbage on their own thread only (--single-threaded-gc): V8's
 * parallel and concurrent GC helper threads otherwise take the other core, on two cores,
 * from the dispatcher and nats-server in the moments the audit log collects, and on
 * Kubernetes they count against the pod's CPU limit. A longer pause of theirs delays a
 * log row, a log page or a retry's release by milliseconds. Measured with
 * `npm run bench -- --only delivered,latency`, without and with the flag alternately
 * (4 December, 16:26-17:02 UTC, ten pairs; bench/HISTORY.md has the
 * figures). The dispatcher, the signer, the registry and webhook-listener keep V8's
 * helper threads: their pauses are on a request's path.
 */
export const BACKGROUND_SERVICES: readonly ServiceName[] = ['audit-log', 'retry-scheduler'];
export const BACKGROUND_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/** Every V8 flag a service runs with, here, in the container's command and in its Deployment. */
export function serviceNodeFlags(name: ServiceName): readonly string[] {
  return [...SERVICE_NODE_FLAGS, `--max-semi-space-size=${SEMI_SPACE_MB[name]}`, ...(BACKGROUND_SERVICES.includes(name) ? BACKGROUND_NODE_FLAGS : [])];
}

/** The node arguments that start a service: compiled JavaScript, or TypeScript through @swc-node/register. */
export function serviceArgs(name: ServiceName, compiled: boolean): string[] {
  if (!compiled) return ['--enable-source-maps', ...serviceNodeFlags(name), '-r', '@swc-node/register', serviceEntry(name)];
  const entry = compiledServiceEntry(name);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (the stack was asked to run the compiled services)`);
  // No --enable-source-maps, as in the container: it holds every file's map (10-25 MB per
  // service), and swc's output is readable JavaScript, line for line close to the source.
  return [...serviceNodeFlags(name), entry];
}

export interface ServiceOptions {
  logFile?: string;
  echo?: boolean;
  /** Run dist/services/<name>/src/main.js with plain node instead of the TypeScript source. */
  compiled?: boolean;
}

export function createService(name: ServiceName, port: number, env: Record<string, string>, opts: ServiceOptions = {}): ServiceHandle {
  let child: ChildProcess | undefined;
  let log: WriteStream | undefined;
  let requested = false;
  const exitListeners: ((exit: ProcessExit) => void)[] = [];
  const lines: string[] = [];
  const handle: ServiceHandle = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    lines,
    async start(extraEnv = {}) {
      log ??= opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
      requested = false;
      child = spawn(process.execPath, serviceArgs(name, opts.compiled ?? false), {
        cwd: REPO_ROOT,
        env: serviceEnv(process.env, { ...env, ...extraEnv }, port),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const c = child;
      c.once('exit', (code, signal) => {
        for (const l of exitListeners) l({ code, signal, requested });
      });
      let partial = '';
      const onData = (d: Buffer) => {
        log?.write(d);
        if (opts.echo) process.stdout.write(d);
        const text = partial + d.toString();
        const parts = text.split('\n');
        partial = parts.pop() ?? '';
        for (const p of parts) if (p) lines.push(p);
        if (lines.length > 50_000) lines.splice(0, lines.length - 50_000);
      };
      c.stdout?.on('data', onData);
      c.stderr?.on('data', onData);
      await waitFor(`${name} to be ready on ${port}`, async () => {
        if (c.exitCode !== null) throw new StopWaiting(`${name} exited with ${c.exitCode}: ${lines.slice(-20).join('\n')}`);
        const res = await fetch(`http://127.0.0.1:${port}/ready`);
        return res.status === 200;
        // Generous: a loaded machine (CI runners, or tests beside each other) can take a minute
        // to start a service that replays the registry stream or builds the web component.
      }, 150_000, 100);
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return c?.exitCode ?? null;
      const gone = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
      requested = true;
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
      const code = await gone;
      clearTimeout(timer);
      return code;
    },
    async kill(signal = 'SIGKILL') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      requested = true;
      c.kill(signal);
      await gone;
    },
    pid: () => child?.pid,
    exitCode: () => child?.exitCode ?? null,
    onExit: (listener) => void exitListeners.push(listener),
  };
  return handle;
}
