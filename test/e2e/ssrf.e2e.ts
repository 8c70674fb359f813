// SSRF: with the loopback allowlist off, receiver URLs and OAuth2 token URLs that point
// at this machine, private networks, link-local / cloud metadata, CGNAT or unique-local
// space, in any spelling, are refused when the receiver is saved (400 naming the field),
// or, for a hostname that only resolves to loopback, at connect time (every attempt fails
// as ssrf-blocked). A canary listening on loopback counts every connection: it must get
// none. A public-looking receiver that redirects to loopback is not followed.
//
// Without internet access there is no real public receiver, so one loopback address,
// 127.0.0.2, is allowlisted as a stand-in for "the public internet"
// (HOOKLINE_EGRESS_ALLOWLIST=127.0.0.2/32); everything else on loopback, 127.0.0.1 and
// ::1 included, stays blocked. The hostname that resolves to loopback is the first of
// this machine's own names (its hostname, ip6-localhost, ...) that the system resolver
// maps to loopback through /etc/hosts; the test fails if there is none, rather than
// pretend to have checked it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { assertProblem, Canary, createAccount, eventually, listAllDeliveries, startCanary, startReceiver, startTestStack, TestReceiver, TestStack } from '@hookline/testing';

const TENANT = 'ssrf';
const PUBLIC_STAND_IN = '127.0.0.2';

function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || /^::ffff:127\./i.test(address);
}

/** A name of this machine that the system resolver maps only to loopback addresses (not a localhost name: those are refused without resolving). */
async function loopbackHostname(): Promise<{ name: string; addresses: string[] } | undefined> {
  for (const name of [hostname(), 'ip6-localhost', 'ip6-loopback', 'localhost6', 'localhost6.localdomain6']) {
    if (/(^|\.)localhost\.?$/i.test(name) || name === 'localhost.localdomain') continue;
    try {
      const found = await lookup(name, { all: true });
      if (found.length > 0 && found.every((a) => isLoopback(a.address))) return { name, addresses: found.map((a) => a.address) };
    } catch {
      /* not known here */
    }
  }
  return undefined;
}

describe('SSRF protection', () => {
  let stack: TestStack;
  let canary: Canary;
  let accountId: string;
  let loopbackName: { name: string; addresses: string[] };
  const servers: TestReceiver[] = [];
  let n = 0;

  /** Every blocked spelling, pointed at the canary's port where the address could be this machine. */
  function internalUrls(): string[] {
    const p = canary.port;
    return [
      // the ones the issue names
      `http://127.0.0.1:${p}/hook`,
      `http://[::1]:${p}/hook`,
      `http://0.0.0.0:${p}/hook`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/latest/meta-data/',
      `http://2130706433:${p}/hook`,
      `http://0x7f.1:${p}/hook`,
      'http://100.64.0.1/hook',
      'http://[fd00::1]/hook',
      `http://localhost.:${p}/hook`,
      // more of the same families
      `http://localhost:${p}/hook`,
      `http://LocalHost:${p}/hook`,
      `http://hooks.localhost:${p}/hook`,
      `http://127.1:${p}/hook`,
      `http://0177.0.0.1:${p}/hook`,
      `http://127.0.0.1.:${p}/hook`,
      `http://[::ffff:127.0.0.1]:${p}/hook`,
      `http://[::ffff:7f00:1]:${p}/hook`,
      `http://[::]:${p}/hook`,
      `http://[0:0:0:0:0:0:0:1]:${p}/hook`,
      `https://127.0.0.1:${p}/hook`,
      `http://user:pass@127.0.0.1:${p}/hook`,
      'http://10.0.0.1/hook',
      'http://172.16.0.1/hook',
      'http://192.168.1.1/hook',
      'http://169.254.1.1/hook',
      'http://[fe80::1]/hook',
      'http://[64:ff9b::a9fe:a9fe]/latest/meta-data/',
      'http://[2002:a9fe:a9fe::]/latest/meta-data/',
      'http://224.0.0.1/hook',
      'http://255.255.255.255/hook',
    ];
  }

  async function receiver(respond?: TestReceiver['respond']): Promise<TestReceiver> {
    const r = await startReceiver(respond, { host: PUBLIC_STAND_IN });
    servers.push(r);
    return r;
  }

  async function createReceiver(body: Record<string, unknown>) {
    return stack.operator.post('/v1/receivers', { tenant: TENANT, name: `ssrf-${++n}`, topics: ['Orders.Paid'], accountId, auth: { protocol: 'none' }, ...body });
  }

  async function publish(): Promise<string> {
    const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic: 'Orders.Paid', object: { type: 'order', id: String(++n) } });
    assert.equal(res.status, 202, res.text);
    return res.body.id;
  }

  async function settled(receiverId: string, eventId: string) {
    return eventually('the delivery to settle', async () => {
      const d = (await listAllDeliveries(stack.operator, TENANT, `target=${receiverId}`)).find((x) => x.eventId === eventId);
      return d && ['succeeded', 'failed'].includes(d.status) ? d : undefined;
    }, 30_000);
  }

  async function attemptLog(deliveryId: string): Promise<{ errorClass?: string; error?: string; ok: boolean }[]> {
    const res = await stack.operator.get(`/v1/deliveries/${deliveryId}?tenant=${TENANT}`);
    assert.equal(res.status, 200, res.text);
    return res.body.attemptLog;
  }

  before(async () => {
    const found = await loopbackHostname();
    assert.ok(found, 'no name of this machine resolves to loopback (hostname, ip6-localhost, ...): the connect-time check cannot be shown');
    loopbackName = found;
    // The canary listens on every loopback address a blocked URL could reach.
    canary = await startCanary([...new Set(['127.0.0.1', '::1', ...found.addresses])]);
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: `${PUBLIC_STAND_IN}/32`,
        HOOKLINE_EGRESS_DEADLINE: '3s',
        HOOKLINE_RETRY_SCHEDULE: '200ms,200ms,200ms,200ms',
        HOOKLINE_RETRY_POLL_INTERVAL: '50ms',
      },
    });
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'SSRF' })).status, 201);
    assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name: 'Orders.Paid' })).status, 201);
    accountId = (await createAccount(stack.operator, { tenant: TENANT, name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] })).id;
  });
  after(async () => {
    for (const s of servers) await s.close();
    await canary?.close();
    await stack?.stop();
  });

  it('the stand-in public receiver is reachable: the pipeline delivers with this allowlist', async () => {
    const r = await receiver();
    const res = await createReceiver({ url: `${r.url}/ok`, auth: { protocol: 'websub' } });
    assert.equal(res.status, 201, res.text);
    const d = await settled(res.body.receiver.id, await publish());
    assert.equal(d.status, 'succeeded');
    assert.equal(r.requests.length, 1);
  });

  it('receiver URLs pointing inside are refused when saved (400 naming url), on create and on update, and nothing is stored', async (t) => {
    const before = (await stack.operator.get(`/v1/receivers?tenant=${TENANT}&limit=500`)).body.data.length;
    const ok = await createReceiver({ url: `http://${PUBLIC_STAND_IN}:9/fine` });
    assert.equal(ok.status, 201, ok.text);
    const bySyntax: string[] = [];
    let byGuard = 0;
    for (const url of internalUrls()) {
      const res = await createReceiver({ url });
      assertProblem(res, 400, 'url');
      // The SSRF guard names the address and why; the URL validator refuses some numeric forms before it.
      if (/is not allowed: .+ (is|means this machine)/.test(res.body.errors?.[0]?.message ?? '')) byGuard++;
      else bySyntax.push(url);
      assertProblem(await stack.operator.patch(`/v1/receivers/${ok.body.receiver.id}?tenant=${TENANT}`, { url }), 400, 'url');
    }
    t.diagnostic(`${byGuard} refused by the SSRF guard, ${bySyntax.length} already as malformed URLs: ${bySyntax.join(' ')}`);
    const after = await stack.operator.get(`/v1/receivers?tenant=${TENANT}&limit=500`);
    assert.equal(after.body.data.length, before + 1, 'only the valid receiver was stored');
    assert.equal(after.body.data.find((r: { id: string }) => r.id === ok.body.receiver.id).url, `http://${PUBLIC_STAND_IN}:9/fine`, 'the refused updates changed nothing');
    assert.equal(canary.connections(), 0);
  });

  it('OAuth2 token URLs pointing inside are refused when saved (400 naming auth.tokenUrl)', async () => {
    const r = await receiver();
    const before = (await stack.operator.get(`/v1/receivers?tenant=${TENANT}&limit=500`)).body.data.length;
    const oauth = (tokenUrl: string) => ({ protocol: 'oauth2', tokenUrl, clientId: 'hookline', clientSecret: 'ssrf-client-secret' });
    const ok = await createReceiver({ url: r.url, auth: oauth(`http://${PUBLIC_STAND_IN}:9/token`) });
    assert.equal(ok.status, 201, ok.text);
    for (const url of internalUrls()) {
      assertProblem(await createReceiver({ url: r.url, auth: oauth(url) }), 400, 'auth.tokenUrl');
      assertProblem(await stack.operator.patch(`/v1/receivers/${ok.body.receiver.id}?tenant=${TENANT}`, { auth: oauth(url) }), 400, 'auth.tokenUrl');
    }
    const after = await stack.operator.get(`/v1/receivers?tenant=${TENANT}&limit=500`);
    assert.equal(after.body.data.length, before + 1);
    assert.equal(after.body.data.find((x: { id: string }) => x.id === ok.body.receiver.id).auth.tokenUrl, `http://${PUBLIC_STAND_IN}:9/token`);
    assert.equal(canary.connections(), 0);
  });

  it('a hostname that resolves to loopback is caught at connect time: every attempt fails as ssrf-blocked, the canary gets nothing', async (t) => {
    t.diagnostic(`${loopbackName.name} resolves to ${loopbackName.addresses.join(', ')}`);
    const res = await createReceiver({ url: `http://${loopbackName.name}:${canary.port}/hook`, auth: { protocol: 'websub' } });
    assert.equal(res.status, 201, `a resolvable name is only checked when connecting: ${res.text}`);
    const d = await settled(res.body.receiver.id, await publish());
    assert.equal(d.status, 'failed');
    assert.equal(d.attempts, 5);
    const log = await attemptLog(d.id);
    assert.equal(log.length, 5);
    for (const a of log) {
      assert.equal(a.ok, false);
      assert.equal(a.errorClass, 'ssrf-blocked', JSON.stringify(a));
      assert.match(a.error ?? '', /loopback/);
    }
    assert.equal(canary.connections(), 0, `the canary was reached: ${JSON.stringify(canary.hits)}`);
  });

  it('an OAuth2 token URL whose name resolves to loopback is caught at connect time, and the receiver is not called without a token', async () => {
    const r = await receiver();
    const res = await createReceiver({
      url: `${r.url}/needs-token`,
      auth: { protocol: 'oauth2', tokenUrl: `http://${loopbackName.name}:${canary.port}/token`, clientId: 'hookline', clientSecret: 'ssrf-client-secret' },
    });
    assert.equal(res.status, 201, res.text);
    const d = await settled(res.body.receiver.id, await publish());
    assert.equal(d.status, 'failed');
    for (const a of await attemptLog(d.id)) {
      assert.equal(a.errorClass, 'ssrf-blocked', JSON.stringify(a));
      assert.match(a.error ?? '', /token endpoint/);
    }
    assert.equal(r.requests.length, 0, 'the receiver was called without a token');
    assert.equal(canary.connections(), 0, `the canary was reached: ${JSON.stringify(canary.hits)}`);
  });

  it('a public-looking receiver (and token endpoint) that redirects inside is not followed', async () => {
    const p = canary.port;
    const targets = [`http://127.0.0.1:${p}/internal`, `http://[::1]:${p}/internal`, `http://${loopbackName.name}:${p}/internal`, 'http://169.254.169.254/latest/meta-data/', `http://${PUBLIC_STAND_IN}:${p}/elsewhere`];
    const statuses = [301, 302, 303, 307, 308];
    for (const [i, location] of targets.entries()) {
      const r = await receiver(() => ({ status: statuses[i % statuses.length], headers: { location } }));
      const res = await createReceiver({ url: `${r.url}/redirects`, auth: { protocol: 'websub' } });
      assert.equal(res.status, 201, res.text);
      const d = await settled(res.body.receiver.id, await publish());
      assert.equal(d.status, 'failed', `redirect to ${location}`);
      for (const a of await attemptLog(d.id)) assert.equal(a.errorClass, 'redirect', JSON.stringify(a));
      assert.equal(r.requests.length, 5, 'each attempt stopped at the redirect');
      assert.ok(r.requests.every((q) => q.url === '/redirects'), 'the redirect was not followed back to the receiver either');
    }
    // An OAuth2 token endpoint that redirects inside: no token, no request to the receiver.
    const tokenEndpoint = await receiver(() => ({ status: 302, headers: { location: `http://127.0.0.1:${p}/token` } }));
    const r = await receiver();
    const res = await createReceiver({ url: `${r.url}/needs-token`, auth: { protocol: 'oauth2', tokenUrl: `${tokenEndpoint.url}/token`, clientId: 'hookline', clientSecret: 'ssrf-client-secret' } });
    assert.equal(res.status, 201, res.text);
    const d = await settled(res.body.receiver.id, await publish());
    assert.equal(d.status, 'failed');
    assert.ok(tokenEndpoint.requests.length >= 1, 'the token endpoint was asked');
    assert.equal(r.requests.length, 0);
    assert.equal(canary.connections(), 0, `the canary was reached: ${JSON.stringify(canary.hits)}`);
  });

  it('the canary counts what reaches it (so the zeros above mean something)', async () => {
    const before = canary.connections();
    for (const host of canary.hosts) {
      await new Promise<void>((resolve, reject) => {
        const s = connect(canary.port, host, () => {
          s.end('GET / HTTP/1.0\r\n\r\n');
          resolve();
        });
        s.on('error', reject);
      });
    }
    await eventually('the canary to count our own connections', async () => canary.connections() === before + canary.hosts.length);
    const received = await listAllDeliveries(stack.operator, TENANT);
    assert.ok(received.length >= 8, 'the suite did send deliveries');
  });
});
