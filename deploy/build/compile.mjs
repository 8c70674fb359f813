// `nx run <project>:build` (and so `npm run build`): compiles one project's src/ to
// JavaScript under dist/<project root>/src, file for file, with the same swc transform
// `@swc-node/register` applies when the services run from TypeScript (the tsconfig's
// decorator metadata, target and @hookline/* path aliases, the aliases rewritten to
// relative requires). The output keeps the source tree's shape, so what is loaded by
// path at run time still is: the migrations read from their folder by file name, and
// files that are not TypeScript (e.g. .proto or .json next to the code) are copied.
// Tests (*.spec.ts, *.integration.ts, testdata/) are left out. A folder without src/ is
// compiled as it is (the end-to-end tests' fixture modules, for the compiled test run).
//
//   node deploy/build/compile.mjs <project root>...      e.g. services/registry libs/config
import { transform } from '@swc-node/core';
import { readDefaultTsConfig, tsCompilerOptionsToSwcConfig } from '@swc-node/register/read-default-tsconfig';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SKIP = /\.(spec|integration|e2e)\.ts$|\.d\.ts$/;

const tsOptions = readDefaultTsConfig(join(root, 'tsconfig.json'));

async function compileFile(src, dest) {
  const swcOptions = tsCompilerOptionsToSwcConfig(tsOptions, src);
  // Node runs the output as CommonJS (package.json has no "type": "module"), as @swc-node/register does.
  swcOptions.module = 'commonjs';
  swcOptions.sourcemap = true;
  const { code, map } = await transform(readFileSync(src, 'utf8'), src, swcOptions);
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(dest, `${code}\n//# sourceMappingURL=${basename(dest)}.map\n`);
  if (map) {
    const m = JSON.parse(map);
    // Paths relative to the map, so a checkout next to the output resolves them.
    m.sources = [relative(dirname(dest), src)];
    delete m.sourcesContent;
    writeFileSync(`${dest}.map`, JSON.stringify(m));
  }
}

async function compileProject(projectRoot) {
  const inner = existsSync(join(root, projectRoot, 'src')) ? join(projectRoot, 'src') : projectRoot;
  const srcDir = join(root, inner);
  const outDir = join(root, 'dist', inner);
  // From scratch: a file deleted from src (a migration, say) must not live on in dist.
  rmSync(outDir, { recursive: true, force: true });
  const jobs = [];
  let files = 0;
  for (const rel of readdirSync(srcDir, { recursive: true })) {
    const src = join(srcDir, rel);
    if (rel.split('/').includes('testdata')) continue;
    if (!statSync(src).isFile()) continue;
    if (rel.endsWith('.ts')) {
      if (SKIP.test(rel)) continue;
      jobs.push(compileFile(src, join(outDir, rel.replace(/\.ts$/, '.js'))));
      files++;
    } else if (/\.[a-z0-9]+$/i.test(rel) && !rel.endsWith('.md')) {
      mkdirSync(dirname(join(outDir, rel)), { recursive: true });
      copyFileSync(src, join(outDir, rel));
    }
  }
  await Promise.all(jobs);
  return files;
}

const projects = process.argv.slice(2);
if (projects.length === 0) {
  console.error('usage: node deploy/build/compile.mjs <project root>...');
  process.exit(2);
}
for (const p of projects) {
  const n = await compileProject(p);
  console.log(`compiled ${n} files of ${p} to ${join('dist', p)}`);
  // A project that ships more than its compiled files (a browser bundle) says how in its
  // build.mjs, run with the compiled output folder as its argument.
  const extra = join(root, p, 'build.mjs');
  if (existsSync(extra)) {
    const { spawnSync } = await import('node:child_process');
    const outDir = join(root, 'dist', existsSync(join(root, p, 'src')) ? join(p, 'src') : p);
    const r = spawnSync(process.execPath, [extra, outDir], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
