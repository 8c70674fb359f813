// What the test runner (test/run-suites.ts) hands to every test process.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '@hookline/local-stack';

/** Superuser URL of the PostgreSQL server the runner started, if any. */
export function sharedPostgresUrl(): string | undefined {
  return process.env.HOOKLINE_TEST_PG_URL;
}

/**
 * Whether this test run exercises the compiled build (HOOKLINE_RUN_COMPILED=1, set by the
 * runner for its compiled end-to-end tier): the test stacks then run dist/ with plain node.
 */
export function runCompiled(): boolean {
  return process.env.HOOKLINE_RUN_COMPILED === '1';
}

/**
 * A module the services load by path (HOOKLINE_DELIVERY_KIND_MODULES): the TypeScript
 * file, or in a compiled run its JavaScript under dist/ (the runner compiles the
 * end-to-end fixtures there), since plain node cannot load TypeScript.
 */
export function serviceLoadableModule(tsFile: string): string {
  if (!runCompiled()) return tsFile;
  const compiled = join(REPO_ROOT, 'dist', relative(REPO_ROOT, tsFile)).replace(/\.ts$/, '.js');
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: compile it with node deploy/build/compile.mjs ${relative(REPO_ROOT, dirname(tsFile))}`);
  return compiled;
}

/** Where to keep service logs after a test stack stops, if anywhere. */
export function keepLogsDir(): string | undefined {
  return process.env.HOOKLINE_TEST_KEEP_LOGS || undefined;
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `hookline-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
