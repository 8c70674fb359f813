import assert from 'node:assert/strict';
import type { ApiResponse } from './api-client';

/** A 4xx application/problem+json whose errors (or detail) name the field. */
export function assertProblem(res: ApiResponse, status: number, field?: string): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.body.status, status);
  assert.equal(typeof res.body.title, 'string');
  assert.equal(typeof res.body.type, 'string');
  if (field) {
    const fields: string[] = (res.body.errors ?? []).map((e: { field: string }) => e.field);
    assert.ok(fields.includes(field) || String(res.body.detail).includes(field), `problem does not name ${field}: ${res.text}`);
  }
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
