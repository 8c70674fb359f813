// EgressClient against real HTTP servers on loopback. Nothing here sends a packet
// anywhere else: destinations that are not loopback are refused before connecting,
// and the tests that would otherwise need them point hostnames at loopback instead.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { evaluateResponse } from '@hookline/delivery';
import { EgressClient, type EgressResult } from './egress-client';
import type { Resolver } from './guarded-connector';

interface TestServer {
  url: string;
  port: number;
  connections: number;
  requests: number;
  close(): Promise<void>;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, host = '127.0.0.1'): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    t.requests++;
    handler(req, res);
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    t.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const t: TestServer = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    connections: 0,
    requests: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return t;
}

const ok = (res: EgressResult) => {
  assert.equal(res.kind, 'response', JSON.stringify(res));
  return res as Extract<EgressResult, { kind: 'response' }>;
};
const failed = (res: EgressResult) => {
  assert.equal(res.kind, 'error', JSON.stringify(res));
  return res as Extract<EgressResult, { kind: 'error' }>;
};

/** Points test hostnames at loopback, as a hostile DNS record would. */
const loopbackResolver: Resolver = async (hostname) => {
  if (hostname.endsWith('.test')) return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
};

describe('SSRF guard without an allowlist', () => {
  let canary: TestServer;
  let canary6: TestServer | undefined;
  let client: EgressClient;
  before(async () => {
    canary = await serve((_req, res) => res.end('canary reached'));
    canary6 = await serve((_req, res) => res.end('canary reached'), '::1').catch(() => undefined);
    client = new EgressClient({ resolver: loopbackResolver, deadlineMs: 3000 });
  });
  after(async () => {
    await client.destroy();
    await canary.close();
    await canary6?.close();
  });

  // Each of these reaches the canary's loopback port if the guard fails.
  const forms = (port: number): [string, string][] => [
    ['127.0.0.1', `http://127.0.0.1:${port}/`],
    ['[::1]', `http://[::1]:${port}/`],
    ['0.0.0.0', `http://0.0.0.0:${port}/`],
    ['2130706433', `http://2130706433:${port}/`],
    ['0x7f.1', `http://0x7f.1:${port}/`],
    ['0177.0.0.1', `http://0177.0.0.1:${port}/`],
    ['127.1', `http://127.1:${port}/`],
    ['localhost', `http://localhost:${port}/`],
    ['localhost.', `http://localhost.:${port}/`],
    ['sub.localhost', `http://sub.localhost:${port}/`],
    ['[::ffff:127.0.0.1]', `http://[::ffff:127.0.0.1]:${port}/`],
    ['[::ffff:7f00:1]', `http://[::ffff:7f00:1]:${port}/`],
    ['a hostname resolving to loopback', `http://innocent-looking.test:${port}/`],
    ['https to loopback', `https://127.0.0.1:${port}/`],
  ];
  it('refuses every loopback form and no connection reaches the canary', async () => {
    for (const [name, url] of forms(canary.port)) {
      const res = failed(await client.request({ method: 'POST', url, body: '{}' }));
      assert.equal(res.errorClass, 'ssrf-blocked', `${name}: ${res.reason}`);
    }
    if (canary6) for (const url of [`http://[::1]:${canary6.port}/`, `http://localhost:${canary6.port}/`]) assert.equal(failed(await client.request({ method: 'GET', url })).errorClass, 'ssrf-blocked');
    assert.equal(canary.connections, 0);
    assert.equal(canary6?.connections ?? 0, 0);
  });

  it('refuses other blocked literals before connecting', async () => {
    const table: [string, RegExp][] = [
      ['http://169.254.169.254/latest/meta-data/', /cloud metadata/],
      ['http://[::ffff:169.254.169.254]/', /IPv4-mapped form of 169\.254\.169\.254/],
      ['http://100.64.0.1/', /carrier-grade NAT/],
      ['http://[fd00::1]/', /unique-local/],
      ['http://10.0.0.1/', /private/],
      ['http://[fe80::1]/', /link-local/],
      ['http://[64:ff9b::7f00:1]/', /NAT64/],
      ['file:///etc/passwd', /only http and https/],
      ['gopher://127.0.0.1:70/', /only http and https/],
      ['not a url', /not a URL/],
    ];
    for (const [url, reason] of table) {
      const res = failed(await client.request({ method: 'GET', url }));
      assert.equal(res.errorClass, 'ssrf-blocked', url);
      assert.match(res.reason, reason, url);
    }
  });

  it('reports an unknown host as a DNS failure', async () => {
    const res = failed(await client.request({ method: 'GET', url: 'http://does-not-exist.invalid/' }));
    assert.equal(res.errorClass, 'dns');
    assert.match(res.reason, /does-not-exist\.invalid/);
  });
});

describe('with the loopback allowlist', () => {
  let receiver: TestServer;
  let canary: TestServer;
  let client: EgressClient;
  const seen: { method?: string; url?: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  before(async () => {
    canary = await serve((_req, res) => res.end('canary reached'));
    receiver = await serve((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(parts).toString() });
        if (req.url === '/redirect') {
          res.writeHead(302, { location: `${canary.url}/steal` }).end();
        } else if (req.url === '/big') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(Buffer.alloc(1024 * 1024, 'a'));
        } else if (req.url === '/medium') {
          res.end(Buffer.alloc(100 * 1024, 'b'));
        } else if (req.url === '/utf8') {
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('é'.repeat(1000));
        } else if (req.url === '/empty') {
          res.writeHead(204).end();
        } else if (req.url === '/close') {
          res.writeHead(200, { connection: 'close' }).end('closing');
        } else {
          res.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] }).end('{"ok":true}');
        }
      });
    });
    client = new EgressClient({ allowlist: ['127.0.0.0/8', '::1/128'], resolver: loopbackResolver, deadlineMs: 5000 });
  });
  after(async () => {
    await client.destroy();
    await receiver.close();
    await canary.close();
  });

  it('sends the exact request and returns the response', async () => {
    const res = ok(await client.request({ method: 'POST', url: `${receiver.url}/hook?a=1`, headers: { 'content-type': 'application/json', 'x-test': 'yes' }, body: Buffer.from('{"n":1}') }));
    assert.equal(res.status, 201);
    assert.equal(res.body, '{"ok":true}');
    assert.equal(res.bodyTruncated, false);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['x-multi'], 'a, b');
    assert.ok(res.durationMs > 0 && res.durationMs < 5000);
    const last = seen[seen.length - 1];
    assert.equal(last.method, 'POST');
    assert.equal(last.url, '/hook?a=1');
    assert.equal(last.headers['x-test'], 'yes');
    assert.equal(last.body, '{"n":1}');
  });

  it('reaches an allowlisted hostname that resolves to loopback, and localhost', async () => {
    assert.equal(ok(await client.request({ method: 'GET', url: `http://receiver.test:${receiver.port}/` })).status, 201);
    assert.equal(ok(await client.request({ method: 'GET', url: `http://localhost.:${receiver.port}/` })).status, 201);
  });

  it('still refuses what the allowlist does not cover', async () => {
    assert.equal(failed(await client.request({ method: 'GET', url: 'http://169.254.169.254/' })).errorClass, 'ssrf-blocked');
    assert.equal(failed(await client.request({ method: 'GET', url: 'http://192.168.0.1/' })).errorClass, 'ssrf-blocked');
  });

  it('does not follow a redirect: the 3xx is returned and judged a failure, and its target sees nothing', async () => {
    const res = ok(await client.request({ method: 'POST', url: `${receiver.url}/redirect`, body: '{}' }));
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, `${canary.url}/steal`);
    const verdict = evaluateResponse({ kind: '2xx' }, res);
    assert.equal(verdict.ok, false);
    assert.equal((verdict as { errorClass: string }).errorClass, 'redirect');
    assert.equal(canary.connections, 0);
  });

  it('caps the stored body and says so', async () => {
    const big = ok(await client.request({ method: 'GET', url: `${receiver.url}/big`, maxResponseBytes: 64 * 1024 }));
    assert.equal(big.body.length, 64 * 1024);
    assert.equal(big.bodyTruncated, true);
    const medium = ok(await client.request({ method: 'GET', url: `${receiver.url}/medium`, maxResponseBytes: 1000 }));
    assert.equal(medium.body, 'b'.repeat(1000));
    assert.equal(medium.bodyTruncated, true);
    // The client is still healthy afterwards.
    assert.equal(ok(await client.request({ method: 'GET', url: `${receiver.url}/` })).status, 201);
  });

  it('cuts a capped body on a character boundary, and returns an empty one as empty', async () => {
    // 2,000 bytes of two-byte characters, cut after 1,001: the half character is dropped, not shown as U+FFFD.
    const cut = ok(await client.request({ method: 'GET', url: `${receiver.url}/utf8`, maxResponseBytes: 1001 }));
    assert.equal(cut.body, 'é'.repeat(500));
    assert.equal(cut.bodyTruncated, true);
    const whole = ok(await client.request({ method: 'GET', url: `${receiver.url}/utf8` }));
    assert.equal(whole.body, 'é'.repeat(1000));
    assert.equal(whole.bodyTruncated, false);
    const empty = ok(await client.request({ method: 'DELETE', url: `${receiver.url}/empty` }));
    assert.deepEqual([empty.status, empty.body, empty.bodyTruncated], [204, '', false]);
  });

  it('drains a modest overflow to keep the connection, and closes it past the drain limit', async () => {
    ok(await client.request({ method: 'GET', url: `${receiver.url}/` }));
    const c0 = receiver.connections;
    const medium = ok(await client.request({ method: 'GET', url: `${receiver.url}/medium`, maxResponseBytes: 1000 }));
    assert.equal(medium.bodyTruncated, true);
    ok(await client.request({ method: 'GET', url: `${receiver.url}/` }));
    assert.equal(receiver.connections, c0, 'the rest of a 100 KB answer is read and thrown away, and its connection used again');
    const big = ok(await client.request({ method: 'GET', url: `${receiver.url}/big`, maxResponseBytes: 1000 }));
    assert.equal(big.status, 200);
    assert.equal(big.body, 'a'.repeat(1000));
    assert.equal(big.bodyTruncated, true);
    ok(await client.request({ method: 'GET', url: `${receiver.url}/` }));
    assert.equal(receiver.connections, c0 + 1, 'a 1 MB answer is cut past the drain limit and its connection closed');
  });

  it('reuses keep-alive connections', async () => {
    const before = receiver.connections;
    for (let i = 0; i < 20; i++) ok(await client.request({ method: 'POST', url: `${receiver.url}/x`, body: String(i) }));
    assert.ok(receiver.connections - before <= 1, `opened ${receiver.connections - before} connections for 20 sequential requests`);
  });

  it('reports a refused connection', async () => {
    const closed = await serve((_q, r) => r.end());
    const port = closed.port;
    await closed.close();
    const res = failed(await client.request({ method: 'GET', url: `http://127.0.0.1:${port}/` }));
    assert.equal(res.errorClass, 'connect-refused');
  });
});

describe('deadlines', () => {
  let trickler: TestServer;
  let fast: TestServer;
  let client: EgressClient;
  const timers = new Set<NodeJS.Timeout>();
  before(async () => {
    // Accepts, answers the headers, then sends one byte a second, forever.
    trickler = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const t = setInterval(() => res.write('x'), 1000);
      timers.add(t);
      res.on('close', () => clearInterval(t));
    });
    fast = await serve((_req, res) => res.end('quick'));
    client = new EgressClient({ allowlist: ['127.0.0.0/8'], deadlineMs: 10_000 });
  });
  after(async () => {
    for (const t of timers) clearInterval(t);
    await client.destroy();
    await trickler.close();
    await fast.close();
  });

  it('cuts a trickling receiver at the deadline while another request completes promptly', async () => {
    const slow = client.request({ method: 'POST', url: `${trickler.url}/`, body: '{}', deadlineMs: 2500 });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    const quick = ok(await client.request({ method: 'POST', url: `${fast.url}/`, body: '{}' }));
    const quickMs = performance.now() - t0;
    assert.equal(quick.body, 'quick');
    assert.ok(quickMs < 500, `the other request took ${quickMs} ms`);
    const res = failed(await slow);
    assert.equal(res.errorClass, 'timeout');
    assert.match(res.reason, /2500 ms/);
    assert.ok(res.durationMs >= 2400 && res.durationMs < 4000, `cut after ${res.durationMs} ms`);
  });

  it('a request waiting for a free connection still ends at its deadline', async () => {
    const single = new EgressClient({ allowlist: ['127.0.0.0/8'], deadlineMs: 10_000, connectionsPerOrigin: 1 });
    try {
      const holding = single.request({ method: 'GET', url: `${trickler.url}/`, deadlineMs: 3000 });
      await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      const queued = failed(await single.request({ method: 'GET', url: `${trickler.url}/`, deadlineMs: 500 }));
      const took = performance.now() - t0;
      assert.equal(queued.errorClass, 'timeout');
      assert.ok(took >= 450 && took < 1500, `the queued request ended after ${took} ms`);
      assert.equal(failed(await holding).errorClass, 'timeout');
    } finally {
      await single.destroy();
    }
  });

  it('a caller abort ends the request as a timeout', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const res = failed(await client.request({ method: 'GET', url: `${trickler.url}/`, signal: ac.signal }));
    assert.equal(res.errorClass, 'timeout');
    assert.ok(res.durationMs < 2000);
  });
});

describe('DNS rebinding', () => {
  it('checks the addresses of every new connection, not just the first', async () => {
    // Only 127.0.0.2 is allowed. The name first resolves there, then to 127.0.0.1. Linux
    // routes the whole of 127.0.0.0/8 over loopback; no skip where it does not (the
    // integration tier allows none), the listen error says why.
    const good = await serve((_req, res) => res.writeHead(200, { connection: 'close' }).end('first'), '127.0.0.2');
    const canary = await serve((_req, res) => res.end('canary reached'));
    let calls = 0;
    const rebinding: Resolver = async () => [{ address: calls++ === 0 ? '127.0.0.2' : '127.0.0.1', family: 4 }];
    const client = new EgressClient({ allowlist: ['127.0.0.2/32'], resolver: rebinding });
    try {
      assert.equal(ok(await client.request({ method: 'GET', url: `http://rebind.test:${good.port}/` })).body, 'first');
      // The server closed the connection, so the next request connects (and resolves) again.
      const res = failed(await client.request({ method: 'GET', url: `http://rebind.test:${canary.port}/` }));
      assert.equal(res.errorClass, 'ssrf-blocked');
      assert.match(res.reason, /127\.0\.0\.1 is loopback/);
      assert.equal(canary.connections, 0);
      assert.ok(calls >= 2);
    } finally {
      await client.destroy();
      await good.close();
      await canary.close();
    }
  });
});
