// What `npm start` and `npm test` need before any dependency is installed: the npm
// packages, nats-server and PostgreSQL (and, for the tests, chromium; and a nats-server
// newer than Debian 12's, see nats-debian.mjs). Plain Node, no dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { onPath } from './nats-debian.mjs';

export { ensureNewNatsServer } from './nats-debian.mjs';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with ${r.status ?? r.signal}`);
}

export function ensureNodeModules(root) {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('[hookline] installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root });
}

function hasPostgres() {
  const root = '/usr/lib/postgresql';
  if (existsSync(root) && readdirSync(root).some((v) => existsSync(join(root, v, 'bin', 'initdb')))) return true;
  return !!(onPath('initdb') && onPath('pg_ctl') && onPath('postgres'));
}

export function ensureSystemPackages() {
  const missing = [];
  if (!onPath('nats-server', ['/usr/sbin', '/usr/local/sbin'])) missing.push('nats-server');
  if (!hasPostgres()) missing.push('postgresql');
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    throw new Error(`missing ${missing.join(' and ')}: install them (on Debian: apt-get install -y ${missing.join(' ')}) and run again`);
  }
  console.log(`[hookline] installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

/**
 * The browser tests (test/browser) drive Debian's chromium with playwright-core, which
 * downloads no browser of its own: installed here when missing, like nats-server.
 */
export const CHROMIUM = '/usr/bin/chromium';

export function ensureBrowser() {
  if (existsSync(CHROMIUM)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) throw new Error(`missing ${CHROMIUM}: install it (on Debian: apt-get install -y chromium) and run again`);
  console.log('[hookline] installing chromium with apt-get (for the browser tests)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { env });
}
