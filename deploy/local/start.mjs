// `npm start`: the whole platform on this machine. Installs what is missing (npm
// packages, nats-server, PostgreSQL), builds the services (the compiled build, as
// production runs it; HOOKLINE_RUN_COMPILED=0 runs the TypeScript sources instead), then
// hands over to stack.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { ensureNewNatsServer, ensureNodeModules, ensureSystemPackages } from './prereqs.mjs';
import { consoleIsStale } from '../../services/console/build.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
ensureNodeModules(root);
ensureSystemPackages();
await ensureNewNatsServer();
// The admin console's static files (served by the registry under /console/) are built
// when missing or made from other sources: by stack.ts once the services are up, so the
// API does not wait for the build (up to a minute or two on a busy machine).
if (consoleIsStale()) process.env.HOOKLINE_CONSOLE_STALE = '1';

// Secrets the services need, made once per data folder and kept there (mode 600).
const dataDir = resolve(root, process.env.HOOKLINE_DATA_DIR ?? '.data');
const secretsFile = join(dataDir, 'secrets.json');
let secrets = {};
let generated = false;
try {
  mkdirSync(dataDir, { recursive: true });
  secrets = existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : {};
  if (!process.env.HOOKLINE_OPERATOR_TOKEN && !secrets.HOOKLINE_OPERATOR_TOKEN) {
    secrets.HOOKLINE_OPERATOR_TOKEN = `op_${randomBytes(24).toString('base64url')}`;
    generated = true;
  }
  if (!process.env.HOOKLINE_ENCRYPTION_KEY && !secrets.HOOKLINE_ENCRYPTION_KEY) {
    secrets.HOOKLINE_ENCRYPTION_KEY = randomBytes(32).toString('base64');
  }
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
} catch (err) {
  console.error(`[hookline] cannot start: the data folder ${dataDir} cannot be used (${err.code ?? err.message}): set HOOKLINE_DATA_DIR to a folder you can write`);
  process.exit(1);
}
for (const [k, v] of Object.entries(secrets)) process.env[k] ??= v;
process.env.HOOKLINE_DATA_DIR = dataDir;
if (generated) process.env.HOOKLINE_OPERATOR_TOKEN_GENERATED = '1';

const require = createRequire(import.meta.url);
process.chdir(root);
// The compiled build unless asked otherwise: half the memory of the TypeScript path (whose
// loader alone holds about 90 MB per process) and a third less CPU to start.
process.env.HOOKLINE_RUN_COMPILED = process.env.HOOKLINE_RUN_COMPILED === '0' ? '0' : '1';
if (process.env.HOOKLINE_RUN_COMPILED === '1') {
  // Nx rebuilds only the projects whose sources changed since the last build.
  console.log('[hookline] building the services (npm run build)');
  const nxPkg = JSON.parse(readFileSync(join(root, 'node_modules/nx/package.json'), 'utf8'));
  const nxBin = join(root, 'node_modules/nx', typeof nxPkg.bin === 'string' ? nxPkg.bin : nxPkg.bin.nx);
  const built = spawnSync(process.execPath, [nxBin, 'run-many', '-t', 'build', '--output-style=static'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NX_DAEMON: 'false' } });
  if (built.status !== 0) {
    console.error(`[hookline] cannot start: the build failed:\n${built.stdout}${built.stderr}`);
    process.exit(1);
  }
  // The launcher itself runs compiled too (dist/deploy/local, dist/libs/local-stack): the
  // TypeScript loader alone would hold about 90 MB in this process.
  const compiled = spawnSync(process.execPath, [join(root, 'deploy/build/compile.mjs'), 'libs/local-stack', 'deploy/local'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  if (compiled.status !== 0) {
    console.error(`[hookline] cannot start: the launcher could not be compiled:\n${compiled.stdout}${compiled.stderr}`);
    process.exit(1);
  }
  require(join(root, 'dist/deploy/local/stack.js'));
} else {
  require('@swc-node/register');
  require('./stack.ts');
}
