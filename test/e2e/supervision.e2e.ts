// `npm start` as a small installation runs it (the compiled build, HOOKLINE_RUN_COMPILED=1)
// keeps what it started running: each service, nats-server and PostgreSQL is SIGKILLed
// from outside, as the OOM killer or a careless operator would, and comes back on its
// own, says so on the console and in supervisor.log, shows it at the gateway's /health
// and in `npm run status`, and webhooks are delivered again after each.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@hookline/contracts';
import { freePort, freePortBlock, REPO_ROOT, type ProcessStatus } from '@hookline/local-stack';
import { ApiClient, createAccount, eventually, launchNpmStart, startReceiver, type LaunchedStart, type TestReceiver } from '@hookline/testing';

describe('npm start supervises what it started', { timeout: 900_000 }, () => {
  // Reachable by the postgres user (PostgreSQL runs as it when we are root), so the cluster stays inside.
  const parent = mkdtempSync(join(tmpdir(), 'hookline-supervised-'));
  chmodSync(parent, 0o711);
  const dataDir = join(parent, '.data');
  let running: LaunchedStart | undefined;
  let receiver: TestReceiver;
  let api: ApiClient;
  let base: string;
  let httpPort: number;
  const tenant = `sup-${randomBytes(4).toString('hex')}`;

  before(async () => {
    httpPort = await freePortBlock(7);
    base = `http://127.0.0.1:${httpPort}`;
    running = await launchNpmStart({
      HOOKLINE_DATA_DIR: dataDir,
      HOOKLINE_HTTP_PORT: String(httpPort),
      HOOKLINE_LOCAL_NATS_PORT: String(await freePort()),
      HOOKLINE_LOCAL_PG_PORT: String(await freePort()),
      HOOKLINE_RUN_COMPILED: '1',
      HOOKLINE_SHUTDOWN_GRACE: '3s',
    });
    const token = (JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { HOOKLINE_OPERATOR_TOKEN: string }).HOOKLINE_OPERATOR_TOKEN;
    api = new ApiClient(base, token);
    receiver = await startReceiver();
    assert.equal((await api.post('/v1/tenants', { id: tenant, name: 'Supervised Ltd' })).status, 201);
    assert.equal((await api.post('/v1/topics', { tenant, name: 'Orders.Paid' })).status, 201);
    const account = await createAccount(api, { tenant, name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] });
    const created = await api.post('/v1/receivers', { tenant, name: 'crm', url: `${receiver.url}/hooks`, topics: ['Orders.*'], accountId: account.id, auth: { protocol: 'none' } });
    assert.equal(created.status, 201, created.text);
  });

  after(async () => {
    await receiver?.close();
    if (running?.child.exitCode === null) await running.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  async function health(): Promise<{ status: number; body: { status: string; processes: ProcessStatus[] } }> {
    const res = await fetch(`${base}/health`);
    return { status: res.status, body: (await res.json()) as { status: string; processes: ProcessStatus[] } };
  }
  async function processStatus(name: string): Promise<ProcessStatus> {
    const p = (await health()).body.processes.find((x) => x.name === name);
    assert.ok(p, `/health lists ${name}`);
    return p;
  }

  /** Publishes one event (retrying while a restart makes the API answer 503) and waits until the receiver has it. */
  async function delivers(marker: string): Promise<void> {
    await eventually(
      `the event ${marker} accepted`,
      async () => {
        const res = await api.request('POST', '/v1/events', { tenant, topic: 'Orders.Paid', object: { type: 'order', id: marker }, data: { marker } }, { 'idempotency-key': marker });
        return res.status === 202;
      },
      120_000,
      500,
    );
    await eventually(`the webhook for ${marker} delivered`, async () => receiver.requests.some((r) => JSON.parse(r.body).data?.marker === marker), 120_000, 200);
  }

  async function killAndSeeItBack(name: string): Promise<ProcessStatus> {
    const before = await processStatus(name);
    assert.equal(before.state, 'running', JSON.stringify(before));
    assert.ok(before.pid, `${name} has a pid`);
    process.kill(before.pid, 'SIGKILL');
    return eventually(
      `${name} restarted by the supervisor`,
      async () => {
        const now = await processStatus(name);
        return now.state === 'running' && now.ready === true && now.pid !== before.pid && now.restarts === before.restarts + 1 ? now : undefined;
      },
      180_000,
      250,
    );
  }

  it('lists every process at /health and in npm run status, all running and ready', async () => {
    await delivers('at-start');
    const h = await health();
    assert.equal(h.status, 200);
    assert.equal(h.body.status, 'ok');
    assert.deepEqual(h.body.processes.map((p) => p.name).sort(), ['nats-server', 'postgres', ...SERVICE_NAMES].sort());
    for (const p of h.body.processes) assert.deepEqual([p.name, p.state, typeof p.pid, p.restarts], [p.name, 'running', 'number', 0]);
    const status = spawnSync(process.execPath, [join(REPO_ROOT, 'deploy', 'local', 'status.mjs')], { env: { PATH: process.env.PATH ?? '', HOOKLINE_HTTP_PORT: String(httpPort) }, encoding: 'utf8' });
    assert.equal(status.status, 0, status.stdout + status.stderr);
    for (const name of ['nats-server', 'postgres', ...SERVICE_NAMES]) assert.match(status.stdout, new RegExp(`^${name}\\s+running\\s+\\d+\\s+yes\\s+0`, 'm'));
    assert.match(status.stdout, /all running and ready/);
  });

  for (const name of SERVICE_NAMES) {
    it(`restarts ${name} after a SIGKILL, says so, and delivers again`, async () => {
      const back = await killAndSeeItBack(name);
      assert.equal(back.lastExit?.signal, 'SIGKILL');
      await delivers(`after-${name}`);
      const out = running?.output() ?? '';
      assert.match(out, new RegExp(`\\[hookline\\] ${name} was killed by SIGKILL; restarting it in 1 s \\(restart 1\\)`));
      assert.match(out, new RegExp(`\\[hookline\\] ${name} is back: pid ${back.pid}, ready \\(restart 1\\)`));
    });
  }

  for (const name of ['nats-server', 'postgres']) {
    it(`restarts ${name} after a SIGKILL, and the services deliver again`, async () => {
      await killAndSeeItBack(name);
      await delivers(`after-${name}`);
      // The services themselves rode it out (they reconnect); none had to be restarted for it.
      await eventually('every service ready again', async () => (await health()).body.status === 'ok', 120_000, 500);
      for (const s of SERVICE_NAMES) assert.equal((await processStatus(s)).restarts, 1, `${s} was restarted only when it was killed itself`);
    });
  }

  it('wrote each restart to supervisor.log, and stops cleanly without restarting anything', async () => {
    const events = readFileSync(join(dataDir, 'logs', 'supervisor.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; process: string; signal?: string });
    for (const name of [...SERVICE_NAMES, 'nats-server', 'postgres']) {
      assert.ok(events.some((e) => e.process === name && e.event === 'restarting' && e.signal === 'SIGKILL'), `supervisor.log has ${name} restarting`);
      assert.ok(events.some((e) => e.process === name && e.event === 'restarted'), `supervisor.log has ${name} restarted`);
    }
    const before = running?.output().length ?? 0;
    assert.equal(await running?.stop(), 0, running?.output());
    const tail = running?.output().slice(before) ?? '';
    assert.match(tail, /\[hookline\] stopped/);
    assert.doesNotMatch(tail, /restarting it in/);
  });
});
