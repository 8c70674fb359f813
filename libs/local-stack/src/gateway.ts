// The local stand-in for the Kubernetes ingress: one base URL, routed by path prefix.
import { once } from 'node:events';
import { createServer, Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { answerClientErrors, keepIdleConnections, type ServiceName } from '@hookline/contracts';
import { findNginx, startNginxProxy } from './gateway-nginx';
import { answerNoRoute, type ProxyOptions } from './gateway-proxy';
import { freePort } from './ports';
import type { ProcessStatus } from './supervisor';

export interface Gateway {
  url: string;
  /** What passes the requests on: nginx (gateway-nginx.ts) when the machine has it, else node:http on a thread of the launcher. */
  kind: 'nginx' | 'node';
  /** nginx's processes (master, then worker); none for the node:http proxy, which runs inside the launcher. */
  pids(): number[];
  /**
   * The proxy thread's event-loop delay (ms) since the last reset: a request through the
   * gateway waits out each such stall. Undefined for nginx (no event loop of ours).
   */
  loopDelay(opts?: { reset?: boolean }): Promise<{ p99Ms: number; maxMs: number } | undefined>;
  close(): Promise<void>;
}

/** Pages only a local stack has (under /local/: the demo host's sign-in, the mail sink); true when answered. */
export type LocalPages = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface GatewayOptions {
  /**
   * The supervised processes (`npm start`): then /health lists each one (name, state, pid,
   * restarts, readiness) and answers 503 while any is not running and ready.
   */
  status?: () => ProcessStatus[];
  /** Pages only a local stack serves, under /local/. */
  local?: LocalPages;
  /** How long a connection to a service may sit idle before the gateway closes it (UPSTREAM_IDLE_MS, 60 s). */
  upstreamIdleMs?: number;
  /** nginx's path, or undefined for the node:http proxy; by default findNginx() (HOOKLINE_GATEWAY=node turns nginx off). */
  nginx?: string | undefined;
  /** nginx only: each answer says how long nginx held the request; by default HOOKLINE_GATEWAY_TIMING=1 (the bench sets it). */
  timing?: boolean;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * The gateway: a proxy on `host:port` (nginx, or node:http on a thread of its own,
 * gateway-thread.ts), and, in this thread, a server on loopback for what the gateway
 * answers itself (/health, the local pages, and the 404 of a path no service has), which
 * the proxy passes those paths to.
 */
export async function startGateway(host: string, port: number, upstreams: Record<ServiceName, number>, opts: GatewayOptions = {}): Promise<Gateway> {
  const own = await startOwnPages(opts);
  const ownPort = (own.address() as { port: number }).port;
  const closeOwn = () =>
    new Promise<void>((r) => {
      own.close(() => r());
      own.closeAllConnections();
    });
  const timing = opts.timing ?? process.env.HOOKLINE_GATEWAY_TIMING === '1';
  const proxyOptions: ProxyOptions = { host, port, upstreams, ownPort, ...(opts.upstreamIdleMs ? { upstreamIdleMs: opts.upstreamIdleMs } : {}), ...(timing ? { timing } : {}) };
  const nginx = 'nginx' in opts ? opts.nginx : findNginx();
  if (nginx) {
    try {
      const proxy = await startNginxProxy(nginx, { ...proxyOptions, port: port === 0 ? await freePort() : port });
      return {
        url: `http://${host}:${proxy.port}`,
        kind: 'nginx',
        pids: () => proxy.pids(),
        loopDelay: async () => undefined,
        close: async () => {
          await proxy.close();
          await closeOwn();
        },
      };
    } catch (err) {
      await closeOwn();
      throw err;
    }
  }
  const worker = proxyThread(proxyOptions);
  let proxyPort: number;
  // events.once adds and removes only its own listeners (the Worker's keep its port referenced).
  const stop = new AbortController();
  try {
    const [m] = (await Promise.race([
      once(worker, 'message', { signal: stop.signal }),
      once(worker, 'exit', { signal: stop.signal }).then(([code]) => {
        throw new Error(`the gateway's thread stopped (exit code ${code})`);
      }),
    ])) as [{ port?: number; error?: string; code?: string }];
    if (m.port === undefined) throw Object.assign(new Error(m.error ?? 'the gateway did not start'), { code: m.code });
    proxyPort = m.port;
  } catch (err) {
    await worker.terminate();
    await closeOwn();
    throw err;
  } finally {
    stop.abort();
  }
  worker.on('error', (err) => console.error(`[hookline] the gateway's thread failed: ${err.message}`));
  return {
    url: `http://${host}:${proxyPort}`,
    kind: 'node',
    pids: () => [],
    loopDelay: async (o = {}) => {
      const answer = new Promise<{ p99Ms: number; maxMs: number }>((resolve) => {
        const onMessage = (m: { loopDelay?: { p99Ms: number; maxMs: number } }) => {
          if (!m.loopDelay) return;
          worker.off('message', onMessage);
          resolve(m.loopDelay);
        };
        worker.on('message', onMessage);
      });
      worker.postMessage('loop-delay');
      const d = await answer;
      if (o.reset) worker.postMessage('loop-delay-reset');
      return d;
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        const done = (m?: { closed?: boolean }) => {
          if (m && typeof m === 'object' && !m.closed) return;
          worker.off('message', done);
          resolve();
        };
        worker.on('message', done);
        worker.once('exit', () => resolve());
        worker.postMessage('close');
      });
      await worker.terminate();
      await closeOwn();
    },
  };
}

/** The proxy's thread: the compiled file next to this one, or the TypeScript source through @swc-node/register. */
function proxyThread(data: ProxyOptions): Worker {
  const entry = join(__dirname, `gateway-thread${extname(__filename)}`);
  if (extname(__filename) === '.js') return new Worker(entry, { workerData: data });
  const register = require.resolve('@swc-node/register');
  return new Worker(`require(${JSON.stringify(register)}); require(${JSON.stringify(entry)});`, { eval: true, workerData: data });
}

/** /health and the local pages, on loopback: only the proxy (and this machine) reach them. */
function startOwnPages(opts: GatewayOptions): Promise<Server> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      const processes = opts.status?.();
      if (!processes) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      const healthy = processes.every((p) => p.state === 'running' && p.ready !== false);
      // Process ids and exit details only to callers on this machine (npm run status); the
      // proxy names the caller in X-Forwarded-For, which it always sets.
      const fromHere = LOOPBACK.test(callerOf(req));
      const body = { status: healthy ? 'ok' : 'degraded', processes: fromHere ? processes : processes.map((p) => ({ name: p.name, state: p.state, ready: p.ready })) };
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
      return;
    }
    const local = opts.local;
    if (local && path.startsWith('/local/')) {
      local(req, res)
        .then((answered) => {
          if (!answered) res.writeHead(404, { 'content-type': 'text/plain' }).end('no such local page');
        })
        .catch((err: Error) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`local page failed: ${err.message}`);
        });
      return;
    }
    // A path no service has (nginx passes those here; the node:http proxy answers them itself).
    if (!path.startsWith('/local/')) answerNoRoute(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('no such local page');
  });
  keepIdleConnections(server);
  answerClientErrors(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Who called: as the proxy saw them (its X-Forwarded-For), else the connection's peer. */
function callerOf(req: IncomingMessage): string {
  const forwarded = req.headers['x-forwarded-for'];
  const peer = req.socket.remoteAddress ?? '';
  if (typeof forwarded === 'string' && forwarded !== '' && LOOPBACK.test(peer)) return forwarded.split(',').pop()?.trim() ?? '';
  return peer;
}
