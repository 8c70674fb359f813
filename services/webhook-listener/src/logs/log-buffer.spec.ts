// The buffer of refused requests' log entries against a stand-in repository that refuses
// what PostgreSQL refuses (logs.repository.integration.ts holds the real one to the same).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '@hookline/observability';
import type { WebhookListenerConfig } from '../config';
import { LogBuffer } from './log-buffer';
import type { LogEntry, LogsRepository } from './logs.repository';

const L1 = '0196f3a2-7c1e-7d2a-9b3c-000000000001';
const L2 = '0196f3a2-7c1e-7d2a-9b3c-000000000002';

function entry(listenerId: string, status: number, over: Partial<LogEntry> = {}): LogEntry {
  return { tenantId: 't', listenerId, keep: 100, requestId: '', method: 'POST', path: '/hooks/s/l', status, state: 'error', error: 'e', durationMs: 1, size: 0, records: 0, at: new Date().toISOString(), ...over };
}

/** A repository that refuses a write holding a poisoned entry (as the jsonb cast refuses \u0000), or everything while down. */
function fakeRepository() {
  const stored: LogEntry[] = [];
  const state = { down: false, writes: 0 };
  const repo = {
    append: async (entries: LogEntry[]) => {
      state.writes++;
      if (state.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      if (entries.some((e) => e.error === 'poison')) throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
      stored.push(...entries);
    },
  };
  return { repo: repo as unknown as LogsRepository, stored, state };
}

function recordingLogger() {
  const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
  const logger = { warn: (fields: Record<string, unknown>, msg: string) => warnings.push({ fields, msg }), info: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;
  return { logger, warnings };
}

const config = { logFlushMs: 60_000 } as WebhookListenerConfig;

describe('LogBuffer', () => {
  it('an entry the database refuses is dropped with a warning naming its listener; the others and every later flush are written', async () => {
    const { repo, stored } = fakeRepository();
    const { logger, warnings } = recordingLogger();
    const buffer = new LogBuffer(repo, config, logger);
    buffer.push(entry(L1, 400));
    buffer.push(entry(L2, 401, { error: 'poison', body: 'secret body hlt_token', path: '/hooks/s/l?token=hlt_x' }));
    buffer.push(entry(L1, 413));
    await buffer.flush();
    assert.deepEqual(stored.map((e) => e.status), [400, 413]);
    const dropped = warnings.filter((w) => /dropped/.test(w.msg));
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0].fields.listenerId, L2);
    assert.match(String(dropped[0].fields.err), /unsupported Unicode escape sequence/);
    const said = JSON.stringify(warnings);
    assert.ok(!said.includes('secret body') && !said.includes('hlt_'), `the warning holds neither the body nor the path: ${said}`);
    // The next flush is not held back by the dropped entry.
    buffer.push(entry(L1, 422));
    await buffer.flush();
    assert.deepEqual(stored.map((e) => e.status), [400, 413, 422]);
  });

  it('the database down: nothing is dropped, the entries are written (in order) once it is back', async () => {
    const { repo, stored, state } = fakeRepository();
    const { logger, warnings } = recordingLogger();
    const buffer = new LogBuffer(repo, config, logger);
    state.down = true;
    buffer.push(entry(L1, 400));
    buffer.push(entry(L1, 401));
    await buffer.flush();
    await buffer.flush();
    assert.equal(stored.length, 0);
    assert.equal(warnings.filter((w) => /dropped/.test(w.msg)).length, 0);
    assert.ok(warnings.some((w) => /will try again/.test(w.msg) && w.fields.entries === 2));
    buffer.push(entry(L1, 404));
    state.down = false;
    await buffer.flush();
    assert.deepEqual(stored.map((e) => e.status), [400, 401, 404]);
  });

  it('a refused entry found while the database then goes down is kept with the rest for the next flush', async () => {
    const { repo, stored, state } = fakeRepository();
    const { logger } = recordingLogger();
    const buffer = new LogBuffer(repo, config, logger);
    for (let i = 0; i < 8; i++) buffer.push(entry(L1, 400 + i, i === 5 ? { error: 'poison' } : {}));
    // The whole batch is refused, then the database goes away before the halves are written.
    const append = repo.append.bind(repo);
    repo.append = async (entries: LogEntry[]) => {
      const r = append(entries);
      state.down = true;
      return r;
    };
    await buffer.flush();
    assert.equal(stored.length, 0);
    repo.append = append;
    state.down = false;
    await buffer.flush();
    assert.deepEqual(stored.map((e) => e.status), [400, 401, 402, 403, 404, 406, 407]);
  });
});
