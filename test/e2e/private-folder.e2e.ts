// `npm start` from a folder only its owner may enter, the way a clone in /root or in
// `mktemp -d` is (mode 0700). As root, PostgreSQL runs as user postgres, which cannot
// reach such a folder: its cluster then lives under /var/lib/hookline/postgres and
// .data/postgres/pgdata links there; the user's folders keep their mode.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, freePortBlock, RELOCATED_CLUSTERS_DIR, REPO_ROOT } from '@hookline/local-stack';
import { ApiClient } from '@hookline/testing';

const START = join(REPO_ROOT, 'deploy', 'local', 'start.mjs');
const isRoot = process.getuid?.() === 0;

interface Launched {
  child: ChildProcess;
  output: () => string;
  /** SIGINT (Ctrl-C), and the exit code once everything stopped. */
  stop(): Promise<number | null>;
}

/** `npm start` as a user runs it, with the data folder and ports given; resolves once the banner is printed. */
async function launch(env: Record<string, string>): Promise<Launched> {
  // Only what a user's shell would have, not the test runner's HOOKLINE_* settings.
  const child = spawn(process.execPath, [START], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('[hookline] ready.')) done();
      else if (child.exitCode !== null) done(new Error(`npm start exited with ${child.exitCode}:\n${out}`));
    }, 100);
    // A hang, not a speed check: starting takes a few seconds.
    const limit = setTimeout(() => done(new Error(`npm start printed no banner in 180 s:\n${out}`)), 180_000);
    function done(err?: Error) {
      clearInterval(timer);
      clearTimeout(limit);
      if (err) reject(err);
      else resolve();
    }
  }).catch(async (err: unknown) => {
    child.kill('SIGINT');
    await exited;
    throw err;
  });
  return {
    child,
    output: () => out,
    async stop() {
      child.kill('SIGINT');
      return exited;
    },
  };
}

describe('npm start from a private (0700) folder', { timeout: 600_000 }, () => {
  const parent = mkdtempSync(join(tmpdir(), 'hookline-private-'));
  const dataDir = join(parent, 'clone', '.data');
  const link = join(dataDir, 'postgres', 'pgdata');
  let running: Launched | undefined;

  after(async () => {
    if (running?.child.exitCode === null) await running.stop();
    // The relocated cluster is not inside the folder: remove it as well.
    const cluster = lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink() ? dirname(readlinkSync(link)) : undefined;
    rmSync(parent, { recursive: true, force: true });
    if (cluster?.startsWith(`${RELOCATED_CLUSTERS_DIR}/`)) rmSync(cluster, { recursive: true, force: true });
  });

  it('starts there, answers, stops cleanly, and a second start finds the same data', async () => {
    assert.equal(statSync(parent).mode & 0o777, 0o700, 'mkdtemp makes the folder private, as /root is');
    const first = await freePortBlock(7);
    const env = {
      HOOKLINE_DATA_DIR: dataDir,
      HOOKLINE_HTTP_PORT: String(first),
      HOOKLINE_LOCAL_NATS_PORT: String(await freePort()),
      HOOKLINE_LOCAL_PG_PORT: String(await freePort()),
      // The TypeScript path: supervision.e2e.ts starts the compiled build (npm start's
      // default), and two builds at once in one tier would write dist/ together.
      HOOKLINE_RUN_COMPILED: '0',
    };
    const tenant = `priv-${randomBytes(4).toString('hex')}`;

    running = await launch(env);
    const token = (JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { HOOKLINE_OPERATOR_TOKEN: string }).HOOKLINE_OPERATOR_TOKEN;
    const api = new ApiClient(`http://127.0.0.1:${first}`, token);
    const created = await api.request('POST', '/v1/tenants', { id: tenant, name: 'Private Folder Ltd' });
    assert.equal(created.status, 201, created.text);
    if (isRoot) {
      assert.ok(lstatSync(link).isSymbolicLink(), `${link} should link to the cluster the postgres user can reach`);
      const cluster = readlinkSync(link);
      assert.ok(cluster.startsWith(`${RELOCATED_CLUSTERS_DIR}/`), cluster);
      assert.ok(existsSync(join(cluster, 'PG_VERSION')));
      assert.match(running.output(), /data in \/var\/lib\/hookline\/postgres\/.*user postgres cannot reach/s);
    } else {
      assert.ok(existsSync(join(link, 'PG_VERSION')), 'not root: PostgreSQL runs as this user and keeps its data in place');
    }
    assert.equal(await running.stop(), 0, running.output());
    assert.match(running.output(), /\[hookline\] stopped/);

    running = await launch(env);
    const again = await api.get(`/v1/tenants/${tenant}`);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.name, 'Private Folder Ltd');
    assert.equal(await running.stop(), 0, running.output());

    // Nothing was loosened on the way.
    assert.equal(statSync(parent).mode & 0o777, 0o700);
    assert.equal(statSync(parent).uid, process.getuid?.());
  });

  it('says in one line, with the fix, when the data folder cannot be used', () => {
    const notAFolder = join(parent, 'a-file');
    writeFileSync(notAFolder, '');
    const r = spawnSync(process.execPath, [START], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOOKLINE_DATA_DIR: join(notAFolder, '.data') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^\[hookline\] cannot start: the data folder .*a-file\/\.data cannot be used \(ENOTDIR\): set HOOKLINE_DATA_DIR to a folder you can write/);
  });
});
