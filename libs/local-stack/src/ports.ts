import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether something accepts TCP connections on the port now (of the loopback address unless `host` names another). */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * A port that was free a moment ago on 127.0.0.1, picked below the kernel's ephemeral
 * range. The port is bound later by another process (a service, nats-server,
 * PostgreSQL), often again after a restart; a port from the ephemeral range can be taken
 * in between as the local end of any outgoing connection (the tests open thousands on
 * loopback), which made a restart fail with EADDRINUSE now and then. Below that range
 * only another listener can take it.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const from = Math.max(10_000, low - 12_000);
  for (let i = 0; i < 50; i++) {
    const port = from + Math.floor(Math.random() * (low - from));
    if (reservePort(port)) {
      if (await bindable(port)) return port;
      releasePort(port);
    }
  }
  for (let i = 0; i < 50; i++) {
    const port = await listenOnce(0);
    if (reservePort(port)) return port;
  }
  throw new Error('no free port found');
}

/**
 * The first of `count` consecutive ports that were all free a moment ago, picked as
 * freePort picks one: for `npm start`'s layout, where the services listen on the
 * gateway's port + 1, + 2, ...
 */
export async function freePortBlock(count: number): Promise<number> {
  const [low] = ephemeralRange();
  const from = Math.max(10_000, low - 12_000);
  for (let i = 0; i < 50; i++) {
    const first = from + Math.floor(Math.random() * (low - from - count));
    const taken: number[] = [];
    let all = true;
    for (let p = first; p < first + count && all; p++) {
      all = reservePort(p);
      if (all) taken.push(p);
      all &&= await bindable(p);
    }
    if (all) return first;
    for (const p of taken) releasePort(p);
  }
  throw new Error(`no ${count} consecutive free ports found below ${low}`);
}

/**
 * A port handed out stays reserved until this process exits: "free a moment ago" is
 * not enough when the port is bound later. Within one process two picks of the same
 * random port would both pass the bind check before either is bound (a stack picks a
 * dozen at once); across processes (test files run side by side, each with its stacks)
 * one would take the other's. CI saw it as a registry's gRPC port in use. A file per
 * port in the temporary folder, created exclusively and holding our pid, keeps other
 * processes off it; a file whose process is gone is taken over. Where the folder
 * cannot be written, the reservation holds within this process only.
 */
const handedOut = new Set<number>();
export const PORT_RESERVATIONS_DIR = join(tmpdir(), 'hookline-ports');
let reservationsCleanup = false;

/** Reserves a port for this process (see above); false when this or another live process holds it. */
export function reservePort(port: number): boolean {
  if (handedOut.has(port)) return false;
  const file = join(PORT_RESERVATIONS_DIR, String(port));
  try {
    mkdirSync(PORT_RESERVATIONS_DIR, { recursive: true });
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (alive(Number(readFileSync(file, 'utf8')))) return false;
      unlinkSync(file);
      writeFileSync(file, String(process.pid), { flag: 'wx' });
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Another process took it over at the same moment: let it have it.
    if (code === 'EEXIST' || code === 'ENOENT') return false;
    // The folder cannot be written (another user's, read-only): this process only.
  }
  handedOut.add(port);
  if (!reservationsCleanup) {
    reservationsCleanup = true;
    process.once('exit', () => {
      for (const p of handedOut) releasePort(p);
    });
  }
  return true;
}

export function releasePort(port: number): void {
  handedOut.delete(port);
  const file = join(PORT_RESERVATIONS_DIR, String(port));
  try {
    if (Number(readFileSync(file, 'utf8')) === process.pid) unlinkSync(file);
  } catch {
    // Not ours, or already gone.
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The kernel's range for the local ends of outgoing connections. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 11_000 && high > low) return [low, high];
  } catch {
    // Not Linux: use the IANA range.
  }
  return [49_152, 65_535];
}

async function bindable(port: number): Promise<boolean> {
  try {
    await listenOnce(port);
    return true;
  } catch {
    return false;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const bound = (srv.address() as { port: number }).port;
      srv.close(() => resolve(bound));
    });
  });
}

/** Thrown by a waitFor check when waiting longer cannot help (the process it waits for has exited). */
export class StopWaiting extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StopWaiting';
  }
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      if (err instanceof StopWaiting) throw new Error(`gave up waiting for ${what}: ${err.message}`);
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
