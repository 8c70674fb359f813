// package.json says what the code needs: every package that code running in production
// imports is in `dependencies` (the image installs them with `npm ci --omit=dev`), test,
// bench and tooling libraries only in `devDependencies`, and nothing sits in
// `dependencies` that production code neither imports nor another dependency needs as
// its peer. Production code is what the image runs: the compiled services and the
// libraries they load (services/, libs/). The launcher behind `npm start` (deploy/local,
// libs/local-stack) and the build (deploy/build) are tooling: `npm start` installs
// every package with `npm ci`, and the image holds neither.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const deps = Object.keys(pkg.dependencies);
const devDeps = Object.keys(pkg.devDependencies);

/** Code that only tests, benchmarks and tools (the OpenAPI generator) run; everything else under services/ and libs/ runs in production. */
function devOnly(file: string): boolean {
  return (
    /\.(spec|integration|e2e)\.ts$/.test(file) ||
    /^(test|bench|deploy)\//.test(file) ||
    file.startsWith('libs/testing/') ||
    file.startsWith('libs/local-stack/') ||
    // The console is bundled into static files at build time; the image ships the files, not its packages.
    file.startsWith('services/console/') ||
    // A project's build script (libs/<name>/build.mjs) runs at build time, not in production.
    /^libs\/[^/]+\/build\.mjs$/.test(file) ||
    // Build time: generates the OpenAPI document (npm run openapi).
    file.startsWith('libs/api-docs/') ||
    file.includes('/testdata/') ||
    !/^(services|libs)\//.test(file)
  );
}

function sourceFiles(): string[] {
  const out: string[] = ['eslint.config.mjs'];
  for (const dir of ['services', 'libs', 'deploy', 'bench', 'test']) {
    for (const f of readdirSync(join(root, dir), { recursive: true }) as string[]) {
      if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(f) && !f.split('/').includes('node_modules')) out.push(`${dir}/${f}`);
    }
  }
  return out;
}

// A quoted specifier after `from`, `import`, `import(`, `require(`, or the tests'
// `importEsm<T>(` for ESM-only packages.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bimportEsm\s*(?:<[^>]*>)?\s*\(\s*)['"]([^'"\s]+)['"]/g;
const BUILTIN = new Set(builtinModules);

/** The npm package a specifier names, or undefined for relative paths, Node built-ins and our own @hookline/* aliases. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('@hookline/')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTIN.has(name) ? undefined : name;
}

/** package -> the files that import it, for production code or dev code. */
function imports(): { prod: Map<string, string[]>; dev: Map<string, string[]> } {
  const prod = new Map<string, string[]>();
  const dev = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      const name = packageOf(m[1]);
      if (!name) continue;
      const into = devOnly(file) ? dev : prod;
      into.set(name, [...(into.get(name) ?? []), file]);
    }
  }
  return { prod, dev };
}

function peersOfDependencies(): Set<string> {
  const peers = new Set<string>();
  for (const d of deps) {
    const manifest = JSON.parse(readFileSync(join(root, 'node_modules', d, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
    for (const p of Object.keys(manifest.peerDependencies ?? {})) peers.add(p);
  }
  return peers;
}

describe('package.json declares what the code imports', () => {
  const { prod, dev } = imports();

  it('finds the imports it checks (the scan itself works)', () => {
    assert.ok(prod.has('@nestjs/common') && prod.has('express') && prod.has('jose'), [...prod.keys()].join(', '));
    assert.ok(dev.has('fast-check') && dev.has('oauth2-mock-server'), [...dev.keys()].join(', '));
  });

  it('every package production code imports is in dependencies', () => {
    const missing = [...prod].filter(([name]) => !deps.includes(name)).map(([name, files]) => `${name} (${files[0]})`);
    assert.deepEqual(missing, []);
  });

  it('every package tests, bench and tools import is declared', () => {
    const missing = [...dev].filter(([name]) => !deps.includes(name) && !devDeps.includes(name)).map(([name, files]) => `${name} (${files[0]})`);
    assert.deepEqual(missing, []);
  });

  it('dependencies hold only what production code imports or a dependency needs as its peer', () => {
    const peers = peersOfDependencies();
    const extra = deps.filter((d) => !prod.has(d) && !peers.has(d)).map((d) => `${d}${dev.has(d) ? ` (only ${dev.get(d)?.[0]} uses it: a devDependency)` : ' (unused)'}`);
    assert.deepEqual(extra, []);
  });

  it('no package is in both lists', () => assert.deepEqual(deps.filter((d) => devDeps.includes(d)), []));
});
