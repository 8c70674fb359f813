// What `npm start` and `npm test` need before any dependency is installed: the npm
// packages, nats-server and PostgreSQL, nginx for the gateway (and, for the tests, chromium; and a nats-server
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

/**
 * nats-server and PostgreSQL, which nothing runs without; and nginx (Debian's nginx-light),
 * the local gateway's proxy, which the stack can do without: when it cannot be installed,
 * the gateway is node:http on a thread of the launcher (slower; see gateway-nginx.ts).
 */
export function ensureSystemPackages() {
  const missing = [];
  if (!onPath('nats-server', ['/usr/sbin', '/usr/local/sbin'])) missing.push('nats-server');
  if (!hasPostgres()) missing.push('postgresql');
  const wanted = process.env.HOOKLINE_GATEWAY !== 'node' && !onPath('nginx', ['/usr/sbin', '/usr/local/sbin']) ? ['nginx-light'] : [];
  if (missing.length === 0 && wanted.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    if (missing.length > 0) throw new Error(`missing ${missing.join(' and ')}: install them (on Debian: apt-get install -y ${missing.join(' ')}) and run again`);
    console.warn('[hookline] nginx is not installed: the gateway uses its node:http proxy (apt-get install -y nginx-light for the faster one)');
    return;
  }
  console.log(`[hookline] installing ${[...missing, ...wanted].join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  if (missing.length > 0) run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  if (wanted.length === 0) return;
  try {
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...wanted], { env });
  } catch (err) {
    console.warn(`[hookline] ${err.message}: the gateway uses its node:http proxy`);
    return;
  }
  // Hookline runs its own nginx with its own configuration, on its own port. Where systemd
  // runs, the package has just started Debian's default site on port 80: stopped again.
  if (existsSync('/run/systemd/system') && onPath('systemctl')) {
    spawnSync('systemctl', ['disable', '--now', 'nginx'], { stdio: 'ignore' });
    console.log('[hookline] stopped and disabled the nginx service the package started (Hookline starts its own)');
  }
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
