// deploy/local/nats-debian.mjs: the newer nats-server taken from Debian's stable release.
// The parsers alone, then the whole chain against a mirror of our own on loopback: a
// release file signed with a key made for the test (gpg), a Packages.gz, and a .deb built
// with dpkg-deb whose "nats-server" is a script. Each link of the chain is broken once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '@hookline/local-stack';

const load = () => import('../../deploy/local/nats-debian.mjs');
let nd: Awaited<ReturnType<typeof load>>;

const RELEASE = `Origin: Debian
Suite: stable
MD5Sum:
 0123456789abcdef0123456789abcdef  100 main/binary-amd64/Packages.gz
SHA256:
 ${'a'.repeat(64)}  9679304 main/binary-amd64/Packages.xz
 ${'b'.repeat(64)}  1234 main/binary-amd64/Packages.gz
`;

const INDEX = `Package: nats
Version: 1.0

Package: nats-server
Version: 2.10.27-1+b2
Description: High-Performance server for NATS
 continued on a second line
Filename: pool/main/n/nats-server/nats-server_2.10.27-1+b2_amd64.deb
SHA256: ${'c'.repeat(64)}

Package: other
Version: 3
`;

describe('nats-server from Debian: parsing', () => {
  before(async () => {
    nd = await load();
  });

  it('reads versions as the binary and the package print them', () => {
    assert.deepEqual(nd.parseNatsVersion('nats-server: v2.9.10'), [2, 9, 10]);
    assert.deepEqual(nd.parseNatsVersion('2.10.27-1+b2'), [2, 10, 27]);
    assert.equal(nd.parseNatsVersion('nats-server: unknown'), undefined);
    assert.equal(nd.versionAtLeast([2, 9, 10], nd.MIN_NATS), false);
    assert.equal(nd.versionAtLeast([2, 10, 0], nd.MIN_NATS), true);
    assert.equal(nd.versionAtLeast([3, 0, 0], nd.MIN_NATS), true);
    assert.ok(nd.compareVersions([2, 10, 27], [2, 10, 3]) > 0);
  });

  it('takes a path hash from the SHA256 section only', () => {
    assert.deepEqual(nd.signedHash(RELEASE, 'main/binary-amd64/Packages.gz'), { sha256: 'b'.repeat(64), size: 1234 });
    assert.equal(nd.signedHash(RELEASE.replace(/SHA256:[\s\S]*/, ''), 'main/binary-amd64/Packages.gz'), undefined, 'an MD5 line is never taken');
    assert.equal(nd.signedHash(RELEASE, 'main/binary-arm64/Packages.gz'), undefined);
  });

  it('finds the package stanza by exact name, with continuation lines', () => {
    const p = nd.packageStanza(INDEX, 'nats-server');
    assert.equal(p?.Version, '2.10.27-1+b2');
    assert.equal(p?.Filename, 'pool/main/n/nats-server/nats-server_2.10.27-1+b2_amd64.deb');
    assert.equal(p?.Description, 'High-Performance server for NATS\ncontinued on a second line');
    assert.equal(nd.packageStanza(INDEX, 'nats-serve'), undefined);
  });

  it('keeps its cache where the user says', () => {
    assert.equal(nd.cacheDir({ HOOKLINE_CACHE_DIR: '/c' }, '/home/u'), '/c');
    assert.equal(nd.cacheDir({ XDG_CACHE_HOME: '/x' }, '/home/u'), '/x/hookline');
    assert.equal(nd.cacheDir({}, '/home/u'), '/home/u/.cache/hookline');
  });
});

const hasTools = ['gpg', 'gpgv', 'dpkg-deb'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);

describe('nats-server from Debian: the checked chain, against a mirror on loopback', { skip: hasTools ? false : 'needs gpg, gpgv and dpkg-deb' }, () => {
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const dir = mkdtempSync(join(tmpdir(), 'hookline-nats-debian-'));
  const files = new Map<string, Buffer>();
  let server: Server;
  let mirror = '';
  let keyring = '';
  let oldBin = '';
  const gnupg = join(dir, 'gnupg');
  const gpg = (...args: string[]) => {
    const r = spawnSync('gpg', ['--batch', '--homedir', gnupg, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  /** A .deb whose usr/sbin/nats-server prints `version`. */
  function deb(version: string): Buffer {
    const root = join(dir, `pkg-${version}`);
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    mkdirSync(join(root, 'usr', 'sbin'), { recursive: true });
    writeFileSync(join(root, 'DEBIAN', 'control'), `Package: nats-server\nVersion: ${version}\nArchitecture: ${arch}\nMaintainer: test <t@example.com>\nDescription: test\n`);
    writeFileSync(join(root, 'usr', 'sbin', 'nats-server'), `#!/bin/sh\necho "nats-server: v${version.split('-')[0]}"\n`);
    chmodSync(join(root, 'usr', 'sbin', 'nats-server'), 0o755);
    const out = join(dir, `nats-server_${version}.deb`);
    const r = spawnSync('dpkg-deb', ['--build', '--root-owner-group', root, out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return readFileSync(out);
  }

  /** Lays out a trixie release on the mirror: the given .deb, indexed and signed (or not, or with a wrong hash). */
  function publish(pkg: Buffer, version: string, o: { debHash?: string; indexHash?: string; unsigned?: boolean } = {}): void {
    const filename = `pool/main/n/nats-server/nats-server_${version}_${arch}.deb`;
    files.set(`/${filename}`, pkg);
    const index = gzipSync(`Package: nats-server\nVersion: ${version}\nArchitecture: ${arch}\nFilename: ${filename}\nSize: ${pkg.length}\nSHA256: ${o.debHash ?? sha(pkg)}\n\n`);
    files.set(`/dists/trixie/main/binary-${arch}/Packages.gz`, index);
    const release = `Origin: Debian\nSuite: stable\nCodename: trixie\nSHA256:\n ${o.indexHash ?? sha(index)} ${index.length} main/binary-${arch}/Packages.gz\n`;
    writeFileSync(join(dir, 'Release'), release);
    rmSync(join(dir, 'Release.asc'), { force: true });
    if (o.unsigned) files.set('/dists/trixie/InRelease', Buffer.from(release));
    else {
      gpg('--local-user', 'hookline-test', '--output', join(dir, 'Release.asc'), '--clearsign', join(dir, 'Release'));
      files.set('/dists/trixie/InRelease', readFileSync(join(dir, 'Release.asc')));
    }
  }

  async function ensure(cache: string): Promise<{ env: NodeJS.ProcessEnv; warnings: string[] }> {
    const env: NodeJS.ProcessEnv = { PATH: `${join(dir, 'old')}:${process.env.PATH}`, HOOKLINE_CACHE_DIR: cache, HOOKLINE_DEBIAN_MIRROR: mirror };
    const warnings: string[] = [];
    await nd.ensureNewNatsServer({ env, keyring, log: () => undefined, warn: (w) => warnings.push(w) });
    return { env, warnings };
  }

  before(async () => {
    nd = await load();
    mkdirSync(gnupg, { mode: 0o700 });
    gpg('--passphrase', '', '--quick-generate-key', 'hookline-test', 'ed25519', 'sign', 'never');
    keyring = join(dir, 'keyring.gpg');
    gpg('--yes', '--output', keyring, '--export', 'hookline-test');
    // The machine's "own" nats-server: an old one, first on PATH.
    mkdirSync(join(dir, 'old'));
    oldBin = join(dir, 'old', 'nats-server');
    writeFileSync(oldBin, '#!/bin/sh\necho "nats-server: v2.9.10"\n');
    chmodSync(oldBin, 0o755);
    server = createServer((req, res) => {
      const body = files.get(req.url ?? '');
      res.statusCode = body ? 200 : 404;
      res.end(body ?? 'not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  after(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('unpacks a checked package into the cache and names its binary in HOOKLINE_NATS_SERVER', async () => {
    publish(deb('2.10.27-1+b2'), '2.10.27-1+b2');
    const cache = join(dir, 'cache-ok');
    const { env, warnings } = await ensure(cache);
    assert.deepEqual(warnings, []);
    assert.equal(env.HOOKLINE_NATS_SERVER, join(cache, 'nats-server-2.10.27-1+b2', 'usr', 'sbin', 'nats-server'));
    assert.match(spawnSync(env.HOOKLINE_NATS_SERVER as string, ['--version'], { encoding: 'utf8' }).stdout, /v2\.10\.27/);
    // The next start takes it from the cache, even with the mirror gone.
    files.clear();
    const again = await ensure(cache);
    assert.equal(again.env.HOOKLINE_NATS_SERVER, env.HOOKLINE_NATS_SERVER);
  });

  for (const [name, o, reason] of [
    ['a release file that is not signed', { unsigned: true }, /signature did not verify/],
    ['a package index whose hash differs from the signed one', { indexHash: 'd'.repeat(64) }, /Packages\.gz: SHA-256/],
    ['a .deb whose hash differs from the index', { debHash: 'e'.repeat(64) }, /\.deb: SHA-256/],
  ] as const) {
    it(`refuses ${name}, keeps the machine's own nats-server and says why`, async () => {
      publish(deb('2.10.28-1'), '2.10.28-1', o);
      const cache = join(dir, `cache-${sha(Buffer.from(name)).slice(0, 8)}`);
      const { env, warnings } = await ensure(cache);
      assert.equal(env.HOOKLINE_NATS_SERVER, undefined);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], reason);
      assert.match(warnings[0], /2\.9\.10/);
      assert.ok(!existsSync(join(cache, 'nats-server-2.10.28-1')), 'nothing unpacked');
    });
  }

  it('takes nothing when the machine already has 2.10 or newer, or when told not to', async () => {
    writeFileSync(oldBin, '#!/bin/sh\necho "nats-server: v2.10.3"\n');
    try {
      publish(deb('2.10.29-1'), '2.10.29-1');
      const { env, warnings } = await ensure(join(dir, 'cache-new-enough'));
      assert.equal(env.HOOKLINE_NATS_SERVER, undefined);
      assert.deepEqual(warnings, []);
    } finally {
      writeFileSync(oldBin, '#!/bin/sh\necho "nats-server: v2.9.10"\n');
    }
    const env: NodeJS.ProcessEnv = { PATH: `${join(dir, 'old')}:${process.env.PATH}`, HOOKLINE_CACHE_DIR: join(dir, 'cache-off'), HOOKLINE_DEBIAN_MIRROR: mirror, HOOKLINE_NATS_FROM_DEBIAN: '0' };
    await nd.ensureNewNatsServer({ env, keyring, log: () => undefined, warn: () => undefined });
    assert.equal(env.HOOKLINE_NATS_SERVER, undefined);
  });

  it('is called by npm start, npm test and the bench', () => {
    for (const f of ['deploy/local/start.mjs', 'test/run.mjs', 'bench/run.ts']) assert.match(readFileSync(join(REPO_ROOT, f), 'utf8'), /ensureNewNatsServer\(\)/, f);
  });
});
