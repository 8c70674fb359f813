import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

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
    if (await bindable(port)) return port;
  }
  return listenOnce(0);
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
    let all = true;
    for (let p = first; p < first + count && all; p++) all = await bindable(p);
    if (all) return first;
  }
  throw new Error(`no ${count} consecutive free ports found below ${low}`);
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

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
