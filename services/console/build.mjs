// Builds the console to dist/services/console/ with Vite, unless what is there was built
// from the same sources (`npm start` and the browser tests call it before serving it).
//   node services/console/build.mjs           build if stale
//   node services/console/build.mjs --force   build anyway
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
export const CONSOLE_OUT_DIR = join(root, 'dist/services/console');
const STAMP = join(CONSOLE_OUT_DIR, 'build-stamp.json');

function files(dir) {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && !/\.spec\.ts$/.test(f))
    .sort();
}

/** A hash of everything the bundle is made from: the console's sources and the locked package versions. */
export function consoleInputsHash() {
  const h = createHash('sha256');
  const inputs = [join(here, 'index.html'), join(here, 'vite.config.mjs'), join(root, 'package-lock.json'), ...files(join(here, 'src'))];
  for (const f of inputs) h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

export function consoleIsStale() {
  if (!existsSync(join(CONSOLE_OUT_DIR, 'index.html')) || !existsSync(STAMP)) return true;
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')).inputs !== consoleInputsHash();
  } catch {
    return true;
  }
}

/** Builds when stale (or `force`); resolves to whether it built. */
export async function buildConsole({ force = false, log = console.log } = {}) {
  if (!force && !consoleIsStale()) return false;
  const started = Date.now();
  log('[hookline] building the console (services/console, Vite)…');
  const { build } = await import('vite');
  await build({ configFile: join(here, 'vite.config.mjs') });
  writeFileSync(STAMP, JSON.stringify({ inputs: consoleInputsHash(), builtAt: new Date().toISOString() }) + '\n');
  log(`[hookline] console built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${relative(root, CONSOLE_OUT_DIR)}/`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const built = await buildConsole({ force: process.argv.includes('--force') });
  if (!built) console.log('[hookline] console is up to date: dist/services/console/');
}
