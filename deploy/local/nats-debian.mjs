// A newer nats-server than Debian 12's, from Debian's current stable release, for `npm start`,
// `npm test` and `npm run bench`. Plain Node, no dependencies (it runs before npm ci).
//
// Bookworm (Debian 12) ships nats-server 2.9.10; trixie (Debian 13) ships 2.10. Measured on
// the same machine in the same bench (`npm run bench -- --only jetstream,accepted,listener,delivered`),
// 2.10 spends 0.22 ms of its own CPU per delivered webhook against 0.38 ms for 2.9, and the
// production chart (deploy/k8s/nats) runs 2.10 or newer. The package is taken as apt takes
// it, and nothing of the system changes:
//   1. the release file (InRelease) is checked with gpgv against the machine's Debian archive
//      keyring, and only the text it signs is read;
//   2. the package index (Packages.gz) must have the SHA-256 that text gives it;
//   3. the .deb must have the SHA-256 the index gives it;
//   4. it is unpacked with dpkg-deb -x into a folder of our own cache, and the binary must
//      report a version of at least 2.10.
// The folder is named after the package version, so a later point release is a new folder.
// When any step fails (no network, a changed mirror), the machine's own nats-server is used,
// with a warning: everything works on 2.9, it only costs more CPU.
// HOOKLINE_NATS_SERVER names a binary to use instead; HOOKLINE_NATS_FROM_DEBIAN=0 turns this off.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const MIN_NATS = [2, 10, 0];
const SUITE = 'trixie';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const ARCH = { x64: 'amd64', arm64: 'arm64' };

/** [major, minor, patch] from `nats-server: v2.10.27` (or a bare 2.10.27-1+b2); undefined when none. */
export function parseNatsVersion(text) {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(text ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function compareVersions(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export const versionAtLeast = (v, min) => compareVersions(v, min) >= 0;

/** The SHA-256 and size a release file gives a path (from its SHA256 section only). */
export function signedHash(release, path) {
  let inSha256 = false;
  for (const line of release.split('\n')) {
    if (!line.startsWith(' ')) {
      inSha256 = line.trim() === 'SHA256:';
      continue;
    }
    if (!inSha256) continue;
    const [hash, size, name] = line.trim().split(/\s+/);
    if (name === path && /^[0-9a-f]{64}$/.test(hash)) return { sha256: hash, size: Number(size) };
  }
  return undefined;
}

/** One package's fields from a Packages index (the first stanza of that name). */
export function packageStanza(index, name) {
  for (const stanza of index.split(/\n\n+/)) {
    const fields = {};
    let last;
    for (const line of stanza.split('\n')) {
      if (/^\s/.test(line) && last) fields[last] += `\n${line.trim()}`;
      else {
        const i = line.indexOf(':');
        if (i <= 0) continue;
        last = line.slice(0, i);
        fields[last] = line.slice(i + 1).trim();
      }
    }
    if (fields.Package === name) return fields;
  }
  return undefined;
}

/** Where the unpacked packages are kept: HOOKLINE_CACHE_DIR, else $XDG_CACHE_HOME/hookline or ~/.cache/hookline. */
export function cacheDir(env = process.env, home = homedir()) {
  return env.HOOKLINE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(home, '.cache'), 'hookline');
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** The first `name` in the PATH folders, then in `extra`. */
export function onPath(name, extra = [], path = process.env.PATH) {
  for (const d of [...(path ?? '').split(delimiter), ...extra]) if (d && existsSync(join(d, name))) return join(d, name);
  return undefined;
}

function versionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? parseNatsVersion(r.stdout + r.stderr) : undefined;
}

async function download(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

function mustMatch(buf, want, what) {
  const got = sha256(buf);
  if (got !== want.sha256) throw new Error(`${what}: SHA-256 ${got}, expected ${want.sha256}`);
}

/** Downloads, checks and unpacks trixie's nats-server into the cache; returns the binary's path. */
async function fetchFromDebian(mirror, arch, cache, keyring, log) {
  const base = mirror.replace(/\/$/, '');
  const work = mkdtempSync(join(cache, '.fetch-'));
  try {
    const inRelease = join(work, 'InRelease');
    writeFileSync(inRelease, await download(`${base}/dists/${SUITE}/InRelease`));
    const signedText = join(work, 'Release');
    const gpgv = spawnSync('gpgv', ['--keyring', keyring, '--output', signedText, inRelease], { encoding: 'utf8' });
    if (gpgv.error || gpgv.status !== 0) throw new Error(`the release file's signature did not verify: ${(gpgv.stderr || gpgv.error?.message || '').trim().split('\n').pop()}`);
    const release = readFileSync(signedText, 'utf8');
    const indexPath = `main/binary-${arch}/Packages.gz`;
    const indexHash = signedHash(release, indexPath);
    if (!indexHash) throw new Error(`the release file names no ${indexPath}`);
    const indexGz = await download(`${base}/dists/${SUITE}/${indexPath}`);
    mustMatch(indexGz, indexHash, indexPath);
    const pkg = packageStanza(gunzipSync(indexGz).toString('utf8'), 'nats-server');
    if (!pkg?.Filename || !/^[0-9a-f]{64}$/.test(pkg.SHA256 ?? '') || !pkg.Version) throw new Error(`${SUITE} has no nats-server package for ${arch}`);
    const version = parseNatsVersion(pkg.Version);
    if (!version || !versionAtLeast(version, MIN_NATS)) throw new Error(`${SUITE}'s nats-server is ${pkg.Version}, older than ${MIN_NATS.join('.')}`);
    const target = join(cache, `nats-server-${pkg.Version.replace(/[^0-9A-Za-z.+~-]/g, '_')}`);
    const bin = join(target, 'usr', 'sbin', 'nats-server');
    if (existsSync(bin)) return bin;
    log(`[hookline] fetching nats-server ${pkg.Version} from Debian ${SUITE} (the machine has an older one)`);
    const deb = await download(`${base}/${pkg.Filename}`);
    mustMatch(deb, { sha256: pkg.SHA256 }, pkg.Filename);
    const debFile = join(work, 'nats-server.deb');
    writeFileSync(debFile, deb);
    const unpacked = join(work, 'root');
    const x = spawnSync('dpkg-deb', ['-x', debFile, unpacked], { encoding: 'utf8' });
    if (x.error || x.status !== 0) throw new Error(`dpkg-deb -x failed: ${(x.stderr || x.error?.message || '').trim()}`);
    const got = versionOf(join(unpacked, 'usr', 'sbin', 'nats-server'));
    if (!got || !versionAtLeast(got, MIN_NATS)) throw new Error('the unpacked nats-server does not run or is too old');
    try {
      renameSync(unpacked, target);
    } catch (err) {
      // Another start on this machine unpacked the same version a moment earlier: take that one.
      if (!existsSync(bin)) throw err;
    }
    return bin;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The newest nats-server already unpacked in the cache, when it runs. */
function cached(cache) {
  if (!existsSync(cache)) return undefined;
  const found = readdirSync(cache)
    .filter((d) => d.startsWith('nats-server-'))
    .map((d) => ({ bin: join(cache, d, 'usr', 'sbin', 'nats-server'), v: parseNatsVersion(d) }))
    .filter((c) => c.v && versionAtLeast(c.v, MIN_NATS) && existsSync(c.bin))
    .sort((a, b) => compareVersions(b.v, a.v));
  return found[0]?.bin;
}

/**
 * Sets HOOKLINE_NATS_SERVER (which every process started from here inherits, and which
 * @hookline/local-stack's findNatsServer prefers) to a nats-server of at least 2.10 when
 * the machine's own is older and Debian's stable release has one.
 */
export async function ensureNewNatsServer({ env = process.env, log = console.log, warn = console.warn, keyring = KEYRING } = {}) {
  if (env.HOOKLINE_NATS_SERVER || env.HOOKLINE_NATS_FROM_DEBIAN === '0') return;
  const own = onPath('nats-server', ['/usr/sbin', '/usr/local/sbin'], env.PATH);
  const ownVersion = own ? versionOf(own) : undefined;
  if (ownVersion && versionAtLeast(ownVersion, MIN_NATS)) return;
  const arch = ARCH[process.arch];
  const cache = cacheDir(env);
  let bin = cached(cache);
  if (!bin && arch && existsSync(keyring) && onPath('dpkg-deb') && onPath('gpgv')) {
    try {
      mkdirSync(cache, { recursive: true });
      bin = await fetchFromDebian(env.HOOKLINE_DEBIAN_MIRROR || 'http://deb.debian.org/debian', arch, cache, keyring, log);
    } catch (err) {
      warn(`[hookline] could not take nats-server from Debian ${SUITE} (${err.message}); using ${own ?? 'nats-server'} ${ownVersion?.join('.') ?? ''}, which works but spends more CPU per message`);
    }
  }
  if (bin) env.HOOKLINE_NATS_SERVER = bin;
}
