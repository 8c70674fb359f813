import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { IDLE_CONNECTION_MS, PUBLIC_ROUTES, SERVICE_NAMES, type ServiceName } from '@hookline/contracts';
import { existsSync, readFileSync } from 'node:fs';
import { startGateway, type Gateway } from './gateway';
import { findNginx, nginxConfig, startNginxProxy } from './gateway-nginx';
import { freePort, portOpen, waitFor } from './ports';
import { answerHeaders, forwardedHeaders, hasBody, UPSTREAM_IDLE_MS } from './gateway-proxy';
import type { ProcessStatus } from './supervisor';

describe('forwardedHeaders', () => {
  it('keeps the end-to-end headers in order and spelling, drops the hop-by-hop ones and those Connection names, and sets X-Forwarded-For', () => {
    const raw = ['Host', 'h', 'Connection', 'keep-alive, X-Trace-Hop', 'X-Trace-Hop', '1', 'Keep-Alive', 'timeout=5', 'TE', 'trailers', 'Transfer-Encoding', 'chunked', 'Expect', '100-continue', 'X-Forwarded-For', '6.6.6.6', 'Authorization', 'Bearer x', 'x-custom', 'a'];
    assert.deepEqual(forwardedHeaders(raw, '10.0.0.7'), ['Host', 'h', 'Authorization', 'Bearer x', 'x-custom', 'a', 'x-forwarded-for', '10.0.0.7']);
  });
});

describe('answerHeaders', () => {
  it('passes back everything but the framing of the service’s connection', () => {
    const parsed = { 'content-type': 'text/plain', connection: 'close, X-Internal', 'x-internal': '1', 'transfer-encoding': 'chunked', 'keep-alive': 'timeout=5', 'set-cookie': ['a=1', 'b=2'], 'x-forwarded-for': '10.1.1.1' };
    assert.deepEqual(answerHeaders(parsed), { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], 'x-forwarded-for': '10.1.1.1' });
  });
});

describe('hasBody', () => {
  for (const [headers, expected] of [
    [{}, false],
    [{ 'content-length': '0' }, false],
    [{ 'content-length': '12' }, true],
    [{ 'transfer-encoding': 'chunked' }, true],
  ] as const) {
    it(`${JSON.stringify(headers)}: ${expected}`, () => assert.equal(hasBody(headers), expected));
  }
});

/** What an upstream saw of one request. */
interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

function upstream(handle: (req: IncomingMessage, res: ServerResponse, body: () => Promise<string>) => void): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const body = () =>
      new Promise<string>((resolve) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const s = Buffer.concat(chunks).toString();
          seen.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body: s });
          resolve(s);
        });
      });
    handle(req, res, body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, seen })));
}

function send(url: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${opts.path}`, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function gatewaySuite(kind: 'node' | 'nginx'): void {
describe(`startGateway (${kind})`, () => {
  let registry: Awaited<ReturnType<typeof upstream>>;
  let listener: Awaited<ReturnType<typeof upstream>>;
  let gateway: Gateway;
  let deadPort: number;
  let upstreamClosed: Promise<void>;
  let markUpstreamClosed: () => void;
  const status: ProcessStatus[] = [{ name: 'registry', kind: 'service', state: 'running', pid: 4242, restarts: 0, ready: true } as ProcessStatus];

  before(async () => {
    upstreamClosed = new Promise((r) => (markUpstreamClosed = r));
    registry = await upstream((req, res, body) => {
      if (req.url === '/v1/events/stream') {
        // An event stream: one event now, the rest only when the caller goes away.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        req.on('close', () => markUpstreamClosed());
        return;
      }
      void body().then((b) => res.writeHead(201, { 'content-type': 'application/json', connection: 'keep-alive, x-internal', 'x-internal': 'secret', 'x-kept': 'yes' }).end(JSON.stringify({ got: b })));
    });
    listener = await upstream((req, res, body) => {
      // As the webhook-listener does: a body announced too large is refused before it is read
      // (node:http then reads the rest and drops it).
      if (Number(req.headers['content-length'] ?? 0) > 64 * 1024) {
        res.writeHead(413, { 'content-type': 'application/problem+json' }).end('{"status":413}');
        return;
      }
      void body().then(() => res.writeHead(202).end());
    });
    // A port below the ephemeral range: no other test's listen(0) or outgoing socket can take it
    // while this suite runs (one freed by listen(0) and close was taken by a parallel test in CI of
    // a1fbadb, and the 'down' service answered with a reset instead of a refusal).
    deadPort = 1;
    assert.ok(!(await portOpen(deadPort)), 'nothing listens on 127.0.0.1:1');
    const ports = Object.fromEntries(SERVICE_NAMES.map((n) => [n, deadPort])) as Record<ServiceName, number>;
    ports.registry = registry.port;
    ports['webhook-listener'] = listener.port;
    const nginx = kind === 'nginx' ? findNginx({}) : undefined;
    if (kind === 'nginx') assert.ok(nginx, 'nginx is installed (npm test installs nginx-light with nats-server and PostgreSQL)');
    gateway = await startGateway('127.0.0.1', 0, ports, {
      nginx,
      status: () => status,
      local: async (req, res) => {
        if (req.url !== '/local/hello') return false;
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello ${req.headers.host}`);
        return true;
      },
    });
  });

  after(async () => {
    await gateway?.close();
    registry?.server.close();
    listener?.server.close();
    registry?.server.closeAllConnections();
    listener?.server.closeAllConnections();
  });

  it('passes a request to the service of its prefix: method, path and query, body, end-to-end headers; X-Forwarded-For set by the gateway', async () => {
    const res = await send(gateway.url, { method: 'POST', path: '/v1/things?a=1&b=%20', headers: { 'content-type': 'application/json', 'x-forwarded-for': '6.6.6.6', connection: 'x-hop', 'x-hop': 'drop me', 'x-end': 'keep me' }, body: '{"n":1}' });
    assert.equal(res.status, 201);
    assert.deepEqual(JSON.parse(res.body), { got: '{"n":1}' });
    const seen = registry.seen.at(-1) as Seen;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/v1/things?a=1&b=%20');
    const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());
    assert.ok(names.includes('x-end'));
    // nginx keeps the fixed hop-by-hop headers on their hop, not those a Connection header names (as ingress-nginx).
    if (kind === 'node') assert.ok(!names.includes('x-hop'), 'a header the caller named in Connection stays on its hop');
    assert.ok(!names.includes('connection') || seen.rawHeaders[seen.rawHeaders.findIndex((h) => h.toLowerCase() === 'connection') + 1] !== 'x-hop', 'the caller’s Connection header stays on its hop');
    assert.deepEqual(seen.rawHeaders.filter((_, i) => i % 2 === 1 && names[(i - 1) / 2] === 'x-forwarded-for'), ['127.0.0.1']);
    // and back: the service's own hop-by-hop headers stay with it
    assert.equal(res.headers['x-kept'], 'yes');
    if (kind === 'node') assert.equal(res.headers['x-internal'], undefined);
  });

  it('streams a chunked body of unknown length, and a request without a body arrives without one', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = request(`${gateway.url}/v1/chunked`, { method: 'PUT', agent: false }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('part one, ');
      setTimeout(() => req.end('part two'), 20);
    });
    assert.equal(res, 201);
    assert.equal(registry.seen.at(-1)?.body, 'part one, part two');
    assert.equal((await send(gateway.url, { method: 'DELETE', path: '/v1/things/1' })).status, 201);
    const names = registry.seen.at(-1)?.rawHeaders.map((h) => h.toLowerCase()) ?? [];
    assert.ok(!names.includes('transfer-encoding') && !names.includes('content-length'), `no body framing on a request without a body: ${names.join(' ')}`);
  });

  it('passes on a refusal the service gives before reading the body (413 for 1 MB announced)', async () => {
    const res = await send(gateway.url, { method: 'POST', path: '/hooks/s/l', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(1024 * 1024, 'a') });
    assert.equal(res.status, 413);
    assert.equal(res.body, '{"status":413}');
    // and the next request through the same pool is fine
    assert.equal((await send(gateway.url, { method: 'POST', path: '/hooks/s/l', body: '{}' })).status, 202);
  });

  it('answers a caller that sends Expect: 100-continue', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${gateway.url}/hooks/s/l`, { method: 'POST', agent: false, headers: { expect: '100-continue', 'content-length': '2' } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on('continue', () => req.end('{}'));
      req.on('error', reject);
    });
    assert.equal(status, 202);
  });

  it('passes an event stream on as it comes, and ends the request to the service when the caller goes away', async () => {
    const socket = connect((new URL(gateway.url).port as unknown as number) * 1, '127.0.0.1');
    socket.write('GET /v1/events/stream HTTP/1.1\r\nhost: x\r\n\r\n');
    let got = '';
    while (!got.includes('data: first')) {
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      got += chunk.toString();
    }
    assert.match(got, /^HTTP\/1\.1 200/);
    assert.match(got, /content-type: text\/event-stream/i);
    socket.destroy();
    await upstreamClosed;
  });

  it('answers 404 problem+json for a path no service has, and 503 problem+json when the service is down', async () => {
    const missing = await send(gateway.url, { path: '/nowhere' });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['content-type'], 'application/problem+json');
    assert.match(JSON.parse(missing.body).detail, /no route for GET \/nowhere/);
    const down = await send(gateway.url, { path: '/v1/audit/events' });
    assert.equal(down.status, 503);
    assert.equal(down.headers['retry-after'], '1');
    assert.equal(down.headers['content-type'], 'application/problem+json');
    assert.deepEqual(JSON.parse(down.body), { type: 'https://hookline.dev/problems/unavailable', title: 'Service unavailable', status: 503, detail: kind === 'node' ? 'audit-log is not answering (ECONNREFUSED)' : 'audit-log is not answering' });
  });

  it('answers /health (with process ids to a caller on this machine) and the local pages itself', async () => {
    const health = await send(gateway.url, { path: '/health' });
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok', processes: status });
    status[0] = { ...status[0], state: 'restarting' } as ProcessStatus;
    assert.equal((await send(gateway.url, { path: '/health' })).status, 503);
    status[0] = { ...status[0], state: 'running' } as ProcessStatus;
    const page = await send(gateway.url, { path: '/local/hello', headers: { host: 'example.test:1234' } });
    assert.equal(page.status, 200);
    assert.equal(page.body, 'hello example.test:1234');
    assert.equal((await send(gateway.url, { path: '/local/other' })).status, 404);
  });

  it('says what it is; the node:http proxy reports its thread’s event-loop delay, and starts again from a reset', async () => {
    assert.equal(gateway.kind, kind);
    if (kind === 'nginx') {
      assert.equal(await gateway.loopDelay(), undefined);
      const pids = gateway.pids();
      assert.equal(pids.length, 2, 'master and one worker');
      for (const pid of pids) assert.equal(readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'nginx');
      return;
    }
    assert.deepEqual(gateway.pids(), []);
    const first = await gateway.loopDelay({ reset: true });
    assert.ok(first && Number.isFinite(first.p99Ms) && first.maxMs >= first.p99Ms && first.p99Ms > 0, JSON.stringify(first));
    const again = await gateway.loopDelay();
    assert.ok(again && Number.isFinite(again.maxMs), JSON.stringify(again));
  });

  it('refuses to start on a port in use, naming why', async () => {
    const port = Number(new URL(gateway.url).port);
    await assert.rejects(startGateway('127.0.0.1', port, Object.fromEntries(SERVICE_NAMES.map((n) => [n, deadPort])) as Record<ServiceName, number>, { nginx: kind === 'nginx' ? findNginx({}) : undefined }), (err: Error & { code?: string }) => err.code === 'EADDRINUSE');
  });
});
}

gatewaySuite('node');
gatewaySuite('nginx');

describe('the gateway’s nginx, stopped from outside', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`is started again after its master gets ${signal}, and a worker it leaves behind is stopped`, async () => {
      const service = await upstream((_req, res, body) => void body().then(() => res.writeHead(200).end('ok')));
      const ports = Object.fromEntries(SERVICE_NAMES.map((n) => [n, service.port])) as Record<ServiceName, number>;
      const nginx = findNginx({});
      assert.ok(nginx, 'nginx is installed');
      const lines: string[] = [];
      const proxy = await startNginxProxy(nginx, { host: '127.0.0.1', port: await freePort(), upstreams: ports, ownPort: service.port }, (l) => lines.push(l));
      const url = `http://127.0.0.1:${proxy.port}`;
      try {
        assert.equal((await send(url, { path: '/v1/events' })).status, 200);
        const [master, worker] = proxy.pids();
        process.kill(master, signal);
        await waitFor('nginx started again', async () => {
          const [m] = proxy.pids();
          return m !== master && proxy.pids().length === 2 && (await send(url, { path: '/v1/events' }).then((r) => r.status === 200, () => false));
        }, 10_000, 50);
        assert.ok(!existsSync(`/proc/${worker}`) || readFileSync(`/proc/${worker}/stat`, 'utf8').split(') ')[1].startsWith('Z'), 'the old worker is gone');
        assert.match(lines.join('\n'), /nginx stopped .*starting it again/);
        assert.match(lines.join('\n'), /nginx is back/);
      } finally {
        await proxy.close();
        service.server.close();
        service.server.closeAllConnections();
      }
      for (const pid of proxy.pids()) assert.ok(!existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z'), `pid ${pid} stopped with close()`);
    });
  }
});

describe('nginxConfig', () => {
  const ports = Object.fromEntries(SERVICE_NAMES.map((n, i) => [n, 7001 + i])) as Record<ServiceName, number>;
  const conf = nginxConfig({ host: '127.0.0.1', port: 8080, upstreams: ports, ownPort: 7999, dir: '/tmp/x', asRoot: false, upstreamIdleMs: 60_000 });

  it('sends each public prefix to its service’s port, and everything else to the launcher’s own server', () => {
    for (const r of PUBLIC_ROUTES) {
      assert.ok(conf.includes(`location ^~ ${r.prefix} { proxy_pass http://${r.service};`), r.prefix);
      assert.ok(conf.includes(`upstream ${r.service} { server 127.0.0.1:${ports[r.service]}; keepalive 256; keepalive_requests 100000; keepalive_timeout 60s; }`), r.service);
    }
    assert.match(conf, /upstream launcher \{ server 127\.0\.0\.1:7999;/);
    assert.match(conf, /location \/ \{ proxy_pass http:\/\/launcher;/);
    assert.match(conf, /listen 127\.0\.0\.1:8080;/);
  });

  it('streams both ways, never sends a request twice, sets X-Forwarded-For to the peer, and has no body limit of its own', () => {
    for (const line of ['proxy_request_buffering off;', 'proxy_buffering off;', 'proxy_next_upstream off;', 'proxy_set_header X-Forwarded-For $remote_addr;', 'client_max_body_size 0;', 'proxy_set_header Connection "";']) {
      assert.ok(conf.includes(line), line);
    }
  });

  it('runs its workers as root only when asked, and an IPv6 host is bracketed', () => {
    assert.ok(!conf.includes('user root;'));
    assert.ok(nginxConfig({ host: '::1', port: 1, upstreams: ports, ownPort: 2, dir: '/d', asRoot: true }).includes('user root;'));
    assert.ok(nginxConfig({ host: '::1', port: 1, upstreams: ports, ownPort: 2, dir: '/d', asRoot: false }).includes('listen [::1]:1;'));
  });

  it('a 503 body is JSON inside a quoted nginx string', () => {
    const m = /location @registry_down \{.*return 503 '(.*)'; \}/.exec(conf);
    assert.ok(m);
    assert.deepEqual(JSON.parse(m[1].replace(/\\(['\\])/g, '$1')), { type: 'https://hookline.dev/problems/unavailable', title: 'Service unavailable', status: 503, detail: 'registry is not answering' });
  });

  it('HOOKLINE_GATEWAY=node turns nginx off', () => {
    assert.equal(findNginx({ HOOKLINE_GATEWAY: 'node' }), undefined);
  });

  it('says how long it held each request only when asked (the bench), on every status', async () => {
    assert.ok(!conf.includes('X-Hookline-Gateway-Timing'));
    assert.ok(nginxConfig({ host: '127.0.0.1', port: 1, upstreams: ports, ownPort: 2, dir: '/d', asRoot: false, timing: true }).includes('add_header X-Hookline-Gateway-Timing'));
    // Run for real: a 202 (not among add_header's default statuses) carries it too.
    const service = await upstream((_req, res, body) => void body().then(() => res.writeHead(202).end()));
    const upstreams = Object.fromEntries(SERVICE_NAMES.map((n) => [n, service.port])) as Record<ServiceName, number>;
    const nginx = findNginx({});
    assert.ok(nginx, 'nginx is installed');
    const gw = await startGateway('127.0.0.1', 0, upstreams, { nginx, timing: true });
    try {
      const r = await send(gw.url, { method: 'POST', path: '/hooks/a/b', body: '{}' });
      assert.equal(r.status, 202);
      assert.match(String(r.headers['x-hookline-gateway-timing']), /^request=\d+\.\d{3}, connect=\d+\.\d{3}, header=\d+\.\d{3}$/);
    } finally {
      await gw.close();
      service.server.closeAllConnections();
      await new Promise((r) => service.server.close(r));
    }
  });
});

describe('busy connections between the gateway’s nginx and a service', () => {
  it('are kept past nginx’s default of 1000 requests (all of them were opened again at once, and the first request on each waited)', async () => {
    const service = await upstream((_req, res, body) => void body().then(() => res.writeHead(202).end()));
    let connections = 0;
    service.server.on('connection', () => connections++);
    const upstreams = Object.fromEntries(SERVICE_NAMES.map((n) => [n, service.port])) as Record<ServiceName, number>;
    const nginx = findNginx({});
    assert.ok(nginx, 'nginx is installed');
    const gw = await startGateway('127.0.0.1', 0, upstreams, { nginx });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 1100; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(`${gw.url}/hooks/a/b`, { method: 'POST', agent }, (r) => {
            r.resume();
            r.on('end', () => resolve(r.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end('{}');
        });
        assert.equal(status, 202);
      }
      assert.equal(connections, 1, 'one connection to the service for 1100 requests one after the other');
    } finally {
      agent.destroy();
      await gw.close();
      service.server.closeAllConnections();
      await new Promise((r) => service.server.close(r));
    }
  });
});

describe('idle connections between the gateway and a service', () => {
  it('are closed by the gateway, before the service would close them', () => {
    // A request sent on a connection the service is closing that instant fails, and a POST cannot be sent again.
    assert.ok(UPSTREAM_IDLE_MS < IDLE_CONNECTION_MS, `${UPSTREAM_IDLE_MS} < ${IDLE_CONNECTION_MS}`);
  });

  it('a connection idle for upstreamIdleMs is closed from the gateway’s side, one in use is not', async () => {
    const closedAt: number[] = [];
    let slowDone = 0;
    const service = await upstream((req, res, body) => {
      req.socket.once('close', () => closedAt.push(Date.now()));
      if (req.url === '/v1/events/slow') {
        // Longer than the idle limit, but in use all along: it must come back whole.
        setTimeout(() => void body().then(() => res.writeHead(200).end('slow')), 600);
        return;
      }
      void body().then(() => res.writeHead(200).end('ok'));
    });
    service.server.keepAliveTimeout = 60_000;
    const ports = Object.fromEntries(SERVICE_NAMES.map((n) => [n, service.port])) as Record<ServiceName, number>;
    // The node:http proxy's (nginx counts its keepalive_timeout in whole seconds: nginxConfig's test).
    const gw = await startGateway('127.0.0.1', 0, ports, { upstreamIdleMs: 200, nginx: undefined });
    try {
      const slow = send(gw.url, { path: '/v1/events/slow' }).then((r) => {
        slowDone = Date.now();
        return r;
      });
      const sent = Date.now();
      const quick = await send(gw.url, { path: '/v1/events' });
      assert.equal(quick.status, 200);
      await new Promise((r) => setTimeout(r, 450));
      assert.equal(closedAt.length, 1, 'the idle connection was closed');
      assert.ok(closedAt[0] - sent >= 150 && closedAt[0] - sent < 450, `closed after ${closedAt[0] - sent} ms`);
      const s = await slow;
      assert.equal(s.status, 200);
      assert.equal(s.body, 'slow');
      assert.ok(slowDone - sent >= 550);
    } finally {
      await gw.close();
      service.server.close();
      service.server.closeAllConnections();
    }
  });
});
