// The gateway's proxy as nginx, when the machine has it (Debian's nginx-light, which
// npm start installs with nats-server and PostgreSQL): what the Kubernetes deployment
// puts in front of the services (ingress-nginx), at a fifth of the CPU per request of
// a node:http proxy (0.04 ms against 0.10 ms on loopback, measured in the same run) and
// twice its requests per second. gateway-proxy.ts stays as the fallback, with the same
// routes and answers. The configuration is generated here from the public route table:
// - each service's prefixes to its port, over keep-alive connections (closed here after
//   UPSTREAM_IDLE_MS, before the services close theirs);
// - bodies streamed both ways, unbuffered (server-sent events pass as they come), with no
//   size limit of nginx's own (each service answers 413 for its routes), and no request
//   sent twice to a service (proxy_next_upstream off);
// - X-Forwarded-For set to the peer, replacing what the caller claimed; the hop-by-hop
//   headers stay on their hop (nginx frames both sides; Expect is answered here);
// - a service that is down: 503 problem+json naming it, with Retry-After;
// - /health, /local/… and every path no service has go to the launcher's own server,
//   which answers them (404 as problem+json with the path escaped as JSON, which nginx
//   cannot do).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PUBLIC_ROUTES, type ServiceName } from '@hookline/contracts';
import { onPath } from './binaries';
import { portOpen } from './ports';
import { UPSTREAM_IDLE_MS, type ProxyOptions } from './gateway-proxy';
import { childPids, commOf } from './proc';

/** nginx's path, unless HOOKLINE_GATEWAY=node asks for the node:http proxy (or nginx is not installed). */
export function findNginx(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.HOOKLINE_GATEWAY === 'node') return undefined;
  return onPath('nginx', ['/usr/sbin', '/usr/local/sbin']);
}

/** A 503 as the node:http proxy words it; nginx's own refusals as the services' clientErrorAnswer words them. */
const problem = (status: number, title: string, detail: string) =>
  JSON.stringify({ type: status === 503 ? 'https://hookline.dev/problems/unavailable' : 'about:blank', title, status, detail });

/** A string as an nginx configuration token: single-quoted, with ' and \ escaped. */
function quoted(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => '\\' + c)}'`;
}

export interface NginxConfigOptions extends ProxyOptions {
  /** A private folder for the pid file, the error log and the temporary files. */
  dir: string;
  /** Run the workers as root (only when the launcher is root: nginx ignores it otherwise, with a warning). */
  asRoot: boolean;
}

/** Requests on one connection, a caller's or one to a service, before nginx closes it (see nginxConfig). */
export const KEEPALIVE_REQUESTS = 100_000;

/** The whole nginx.conf for these ports (pure: tested on its own and by running it). */
export function nginxConfig(o: NginxConfigOptions): string {
  const listen = o.host.includes(':') ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`;
  const idle = Math.round((o.upstreamIdleMs ?? UPSTREAM_IDLE_MS) / 1000);
  const services = Object.keys(o.upstreams) as ServiceName[];
  // Connections to a service are opened as rarely as possible: the first request on a new
  // one waited up to 1.3 s in the service's accept queue (`ss -tinp` during the listener
  // bench's stalls).
  // - keepalive_requests: nginx closes an upstream connection after that many requests
  //   (1000 by default); the connections share the load evenly, so they all reached it at
  //   about the same moment and were opened again at once.
  // - keepalive 256: the idle connections kept per service; with 64, those opened for a
  //   burst of more requests in flight were closed once idle and opened again next burst.
  const upstreams = services.map((s) => `  upstream ${s} { server 127.0.0.1:${o.upstreams[s]}; keepalive 256; keepalive_requests ${KEEPALIVE_REQUESTS}; keepalive_timeout ${idle}s; }`);
  const locations = PUBLIC_ROUTES.filter((r) => o.upstreams[r.service] !== undefined).map(
    (r) => `    location ^~ ${r.prefix} { proxy_pass http://${r.service}; error_page 502 504 = @${r.service}_down; }`,
  );
  const down = services.map(
    (s) => `    location @${s}_down { default_type application/problem+json; add_header Retry-After 1 always; return 503 ${quoted(problem(503, 'Service unavailable', `${s} is not answering`))}; }`,
  );
  return [
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    ...(o.asRoot ? ['user root;'] : []),
    `pid ${join(o.dir, 'nginx.pid')};`,
    `error_log ${join(o.dir, 'error.log')} warn;`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    '  server_tokens off;',
    `  client_body_temp_path ${join(o.dir, 'body')};`,
    `  proxy_temp_path ${join(o.dir, 'proxy')};`,
    `  fastcgi_temp_path ${join(o.dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(o.dir, 'uwsgi')};`,
    `  scgi_temp_path ${join(o.dir, 'scgi')};`,
    // The services' own idle limit (IDLE_CONNECTION_MS, 65 s) for callers; node's header limit.
    '  keepalive_timeout 65s;',
    `  keepalive_requests ${KEEPALIVE_REQUESTS};`,
    '  large_client_header_buffers 4 16k;',
    '  client_max_body_size 0;',
    '  proxy_request_buffering off;',
    '  proxy_buffering off;',
    '  proxy_http_version 1.1;',
    '  proxy_next_upstream off;',
    // An event stream may stay quiet for long; each service bounds its own requests.
    '  proxy_read_timeout 1h;',
    '  proxy_send_timeout 1h;',
    '  proxy_set_header Host $http_host;',
    '  proxy_set_header Connection "";',
    '  proxy_set_header Keep-Alive "";',
    '  proxy_set_header Proxy-Connection "";',
    '  proxy_set_header TE "";',
    '  proxy_set_header Trailer "";',
    '  proxy_set_header Upgrade "";',
    '  proxy_set_header Expect "";',
    '  proxy_set_header X-Forwarded-For $remote_addr;',
    // For the bench (HOOKLINE_GATEWAY_TIMING=1): how long nginx held each request, in seconds.
    ...(o.timing ? ['  add_header X-Hookline-Gateway-Timing "request=$request_time, connect=$upstream_connect_time, header=$upstream_header_time" always;'] : []),
    ...upstreams,
    `  upstream launcher { server 127.0.0.1:${o.ownPort}; keepalive 8; keepalive_requests ${KEEPALIVE_REQUESTS}; keepalive_timeout ${idle}s; }`,
    '  server {',
    `    listen ${listen};`,
    // nginx's own refusals as problem+json (a URI it cannot parse has no URI to keep, so
    // these go to locations by URI: a named one would need the request's).
    '    error_page 400 /.hookline/400;',
    '    error_page 414 =414 /.hookline/414;',
    '    error_page 494 =431 /.hookline/431;',
    ...locations,
    `    location / { proxy_pass http://launcher; error_page 502 504 = @launcher_down; }`,
    ...down,
    `    location @launcher_down { default_type application/problem+json; add_header Retry-After 1 always; return 503 ${quoted(problem(503, 'Service unavailable', 'the launcher is not answering'))}; }`,
    `    location = /.hookline/400 { internal; default_type application/problem+json; return 400 ${quoted(problem(400, 'Bad request', 'the request is not valid HTTP/1.1, or its path cannot be decoded'))}; }`,
    `    location = /.hookline/414 { internal; default_type application/problem+json; return 414 ${quoted(problem(414, 'URI too long', 'the request line is longer than 16 KB'))}; }`,
    `    location = /.hookline/431 { internal; default_type application/problem+json; return 431 ${quoted(problem(431, 'Request header fields too large', 'the request line and headers exceed 16 KB'))}; }`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export interface NginxProxy {
  port: number;
  /** The master's pid, then its worker's. */
  pids(): number[];
  close(): Promise<void>;
}

/** Where to reach a server listening on `host`: a wildcard address through its loopback. */
function reachable(host: string): string {
  return host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
}

/** Spawns nginx and waits until it accepts; on failure, the error (EADDRINUSE for a port in use) with its log. */
async function launch(nginx: string, dir: string, conf: string, opts: ProxyOptions): Promise<ChildProcess> {
  const child: ChildProcess = spawn(nginx, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const errorLog = () => {
    const f = join(dir, 'error.log');
    return ((existsSync(f) ? readFileSync(f, 'utf8') : '') + stderr).trim();
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = errorLog();
      const inUse = /Address already in use/.test(log);
      throw Object.assign(new Error(`nginx did not start: ${log.split('\n').slice(-3).join(' ') || `exit ${child.exitCode}`}`), inUse ? { code: 'EADDRINUSE' } : {});
    }
    // Up once it accepts and its worker runs (the master accepts nothing by itself).
    if (childPids(child.pid as number).length > 0 && (await portOpen(opts.port, reachable(opts.host)))) return child;
    if (Date.now() > deadline) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      throw new Error(`nginx did not start in 10 s: ${errorLog()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Starts nginx on opts.host:opts.port (a port of 0 is not possible: nginx cannot say which
 * it took). nginx's master starts its worker again itself; if the master stops without
 * close(), it is started again (after 1 s, then up to 10 s apart while it keeps failing).
 */
export async function startNginxProxy(nginx: string, opts: ProxyOptions, log: (line: string) => void = (l) => console.error(l)): Promise<NginxProxy> {
  if (opts.port === 0) throw new Error('nginx needs a fixed port');
  const dir = mkdtempSync(join(tmpdir(), 'hookline-gateway-'));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig({ ...opts, dir, asRoot: process.getuid?.() === 0 }));
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  let child: ChildProcess;
  try {
    child = await launch(nginx, dir, conf, opts);
  } catch (err) {
    cleanUp();
    throw err;
  }
  let closing = false;
  let backoffMs = 1_000;
  let retry: NodeJS.Timeout | undefined;
  // The master's workers as last seen: a worker outlives a master that was killed, and
  // would hold the port (and serve the old configuration) with nobody to stop it.
  let workers = childPids(child.pid as number);
  const stopOrphans = () => {
    for (const pid of workers) {
      if (commOf(pid) === 'nginx') process.kill(pid, 'SIGKILL');
    }
    workers = [];
  };
  const watch = (c: ChildProcess) =>
    c.once('exit', (code, signal) => {
      stopOrphans();
      if (closing) return;
      log(`[hookline] the gateway's nginx stopped (${signal ?? `exit ${code}`}); starting it again in ${backoffMs / 1000} s`);
      const again = () => {
        retry = undefined;
        if (closing) return;
        launch(nginx, dir, conf, opts).then(
          (next) => {
            if (closing) {
              next.kill('SIGTERM');
              return;
            }
            child = next;
            workers = childPids(next.pid as number);
            backoffMs = 1_000;
            watch(next);
            log(`[hookline] the gateway's nginx is back (pid ${next.pid})`);
          },
          (err: Error) => {
            backoffMs = Math.min(backoffMs * 2, 10_000);
            log(`[hookline] the gateway's nginx did not start again (${err.message}); next try in ${backoffMs / 1000} s`);
            retry = setTimeout(again, backoffMs);
          },
        );
      };
      retry = setTimeout(again, backoffMs);
    });
  watch(child);
  return {
    port: opts.port,
    pids: () => {
      const now = childPids(child.pid as number);
      if (now.length > 0) workers = now;
      return [child.pid as number, ...now];
    },
    close: async () => {
      closing = true;
      clearTimeout(retry);
      if (child.exitCode === null && child.signalCode === null) {
        // TERM: a fast shutdown, open connections closed (as the node:http proxy's close does).
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      cleanUp();
    },
  };
}
