import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { findNatsServer } from './binaries';
import { freePort, StopWaiting, waitFor } from './ports';
import type { ProcessExit } from './service-process';

export interface NatsServerHandle {
  url: string;
  port: number;
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

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A real nats-server with JetStream storing on disk under storeDir. */
export async function startNatsServer(opts: { storeDir: string; port?: number }): Promise<NatsServerHandle> {
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.storeDir, { recursive: true });
  let child: ChildProcess | undefined;
  let out = '';
  let requested = false;
  const exitListeners: ((exit: ProcessExit) => void)[] = [];
  const bin = findNatsServer();
  const handle: NatsServerHandle = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir: opts.storeDir,
    async start() {
      requested = false;
      out = '';
      child = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', opts.storeDir, '-n', `hookline-${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
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
