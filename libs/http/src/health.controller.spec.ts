import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Response } from 'express';
import type { InstanceStats, ReadinessRegistry } from '@hookline/observability';
import { HealthController } from './health.controller';

/** A response that keeps what ready() answers. */
function fakeResponse(): Response & { answered?: { status: number; body: unknown } } {
  const res: { answered?: { status: number; body: unknown }; status(code: number): unknown } = {
    status(code: number) {
      return { json: (body: unknown) => (res.answered = { status: code, body }) };
    },
  };
  return res as unknown as Response & { answered?: { status: number; body: unknown } };
}

describe('health controller: GET /ready is public, so a flood of it runs the checks once', () => {
  it('concurrent callers share one run of the readiness checks (each run queries PostgreSQL and JetStream)', async () => {
    let runs = 0;
    const pending: (() => void)[] = [];
    const readiness = {
      run: () =>
        new Promise<{ ready: boolean; checks: Record<string, string> }>((resolve) => {
          runs++;
          pending.push(() => resolve({ ready: true, checks: { postgres: 'ok' } }));
        }),
    } as unknown as ReadinessRegistry;
    const controller = new HealthController(readiness, {} as InstanceStats);
    const responses = Array.from({ length: 50 }, fakeResponse);
    const answered = Promise.all(responses.map((r) => controller.ready(r)));
    for (const release of pending) release();
    await answered;
    assert.equal(runs, 1);
    for (const r of responses) assert.deepEqual(r.answered, { status: 200, body: { status: 'ready', checks: { postgres: 'ok' } } });
  });
});
