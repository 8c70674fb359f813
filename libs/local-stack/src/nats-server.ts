import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { findNatsServer } from './binaries';
import { freePort, portOpen, StopWaiting, waitFor } from './ports';
import type { ProcessExit } from './service-process';

export interface NatsServerHandle {
  url: string;
  port: number;
  /** The monitoring endpoint (`/varz`, …) when one was asked for, on 127.0.0.1. */
  monitorUrl?: string;
  storeDir: string;
  /** SIGKILL (or the given signal) and wait for the process to be gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port with the same store. */
  start(): Promise<void>;
  stop(): Promise<void>;
  output(): string;
  pid(): number | undefined;
  /** Called each time nats-server ends; `requested` when kill() or stop() ended it. */
  onExit(listener: (exit: ProcessExit) => void): void;
}

/**
 * The environment nats-server runs with: the caller's, with GOMAXPROCS from
 * HOOKLINE_NATS_GOMAXPROCS (default 1).
 *
 * Why one: the local stack runs nats-server on the same cores as eight single-threaded
 * Node services. With a P (Go's scheduler slot) per core, each message that wakes one
 * of its goroutines also wakes a second P that spins looking for work, and at moderate
 * rates, where messages arrive one at a time, that costs more CPU than the messages
 * themselves. Measured with `npm run bench -- --only delivered,latency` (2 cores, AMD
 * EPYC, two runs each): nats-server's CPU per delivered webhook fell from 0.22-0.29 ms
 * to 0.17-0.18 ms at full rate and from 0.71-0.90 ms to 0.57-0.59 ms at half rate. One P
 * still does far more than the services ask of it here (a quarter of a core at the full
 * delivered rate). On a machine given to nats-server alone, set it to the cores it has.
 * (The Kubernetes deployment does not use this: nats-server sizes itself to its
 * container's CPU limit when one is set, else to the node's cores.)
 */
export function natsServerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const raw = env.HOOKLINE_NATS_GOMAXPROCS?.trim() || '1';
  if (!/^[1-9]\d{0,3}$/.test(raw)) throw new Error(`HOOKLINE_NATS_GOMAXPROCS: "${raw}" is not a number of cores (1 or more)`);
  return { ...env, GOMAXPROCS: raw };
}

/** A real nats-server with JetStream storing on disk under storeDir. */
export async function startNatsServer(opts: { storeDir: string; port?: number; monitorPort?: number }): Promise<NatsServerHandle> {
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.storeDir, { recursive: true });
  let child: ChildProcess | undefined;
  let out = '';
  let requested = false;
  const exitListeners: ((exit: ProcessExit) => void)[] = [];
  const bin = findNatsServer();
  const env = natsServerEnv();
  const handle: NatsServerHandle = {
    url: `nats://127.0.0.1:${port}`,
    port,
    ...(opts.monitorPort ? { monitorUrl: `http://127.0.0.1:${opts.monitorPort}` } : {}),
    storeDir: opts.storeDir,
    async start() {
      requested = false;
      out = '';
      // The monitoring port listens where the client port does (-a): loopback only.
      const monitor = opts.monitorPort ? ['-m', String(opts.monitorPort)] : [];
      child = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), ...monitor, '-sd', opts.storeDir, '-n', `hookline-${port}`], { stdio: ['ignore', 'pipe', 'pipe'], env });
      const c = child;
      c.once('exit', (code, signal) => {
        for (const l of exitListeners) l({ code, signal, requested });
      });
      c.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
      c.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
      await waitFor(`nats-server on ${port}`, async () => {
        if (c.exitCode !== null) throw new StopWaiting(`nats-server exited: ${out.slice(-2000)}`);
        return (await portOpen(port)) && /Server is ready/.test(out);
      }, 20_000, 50);
    },
    async kill(signal = 'SIGKILL') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      requested = true;
      c.kill(signal);
      await gone;
      out = '';
    },
    async stop() {
      await handle.kill('SIGTERM');
    },
    output: () => out,
    pid: () => child?.pid,
    onExit: (listener) => void exitListeners.push(listener),
  };
  await handle.start();
  return handle;
}
