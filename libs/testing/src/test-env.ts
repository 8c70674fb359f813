// What the test runner (test/run-suites.ts) hands to every test process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Superuser URL of the PostgreSQL server the runner started, if any. */
export function sharedPostgresUrl(): string | undefined {
  return process.env.HOOKLINE_TEST_PG_URL;
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
