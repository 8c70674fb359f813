// `npm test`: installs what is missing, then lint, type check, and every test tier
// (unit, integration, end-to-end, browser) against a real nats-server and PostgreSQL.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBrowser, ensureNewNatsServer, ensureNodeModules, ensureSystemPackages } from '../deploy/local/prereqs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureNodeModules(root);
ensureSystemPackages();
await ensureNewNatsServer();
ensureBrowser();

const args = process.argv.slice(2);
const quick = args.includes('--no-lint');
function step(name, cmd, cmdArgs, env = {}) {
  console.log(`\n[hookline test] ${name}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', ...env } });
  if (r.status !== 0) {
    console.error(`[hookline test] ${name} failed`);
    process.exit(r.status ?? 1);
  }
}
if (!quick) {
  step('type check', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
  // The web component is browser code: checked against the DOM library, not Node's.
  step('type check (browser)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'libs/integration-buttons/tsconfig.json']);
  step('type check (console)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'services/console/tsconfig.json']);
  // nx moved its entry point between versions (bin/nx.js, dist/bin/nx.js): ask its package.json.
  const nxPkg = JSON.parse(readFileSync(join(root, 'node_modules/nx/package.json'), 'utf8'));
  const nxBin = join(root, 'node_modules/nx', typeof nxPkg.bin === 'string' ? nxPkg.bin : nxPkg.bin.nx);
  step('project graph', process.execPath, [nxBin, 'show', 'projects']);
  step('lint', process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '--max-warnings=0', '.']);
}
step('tests', process.execPath, ['-r', '@swc-node/register', join(root, 'test/run-suites.ts'), ...args.filter((a) => a !== '--no-lint')]);
