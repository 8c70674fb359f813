// The node arguments a service starts with: the common V8 flags for all, and GC on one
// thread only for the services that answer no request a caller waits on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_NAMES } from '@hookline/contracts';
import { BACKGROUND_NODE_FLAGS, BACKGROUND_SERVICES, SEMI_SPACE_MB, SERVICE_NODE_FLAGS, serviceArgs, serviceEnv, serviceNodeFlags } from './service-process';

describe('service node flags', () => {
  it('every service runs with the common flags; only the audit log and the retry-scheduler collect garbage on one thread', () => {
    assert.deepEqual([...BACKGROUND_SERVICES].sort(), ['audit-log', 'retry-scheduler']);
    for (const name of SERVICE_NAMES) {
      const flags = serviceNodeFlags(name);
      for (const f of SERVICE_NODE_FLAGS) assert.ok(flags.includes(f), `${name} runs with ${f}`);
      assert.equal(flags.includes('--single-threaded-gc'), BACKGROUND_SERVICES.includes(name), name);
    }
  });

  it('the young generation is 8 MB, and 16 MB for webhook-listener (its apply batches), given once', () => {
    for (const name of SERVICE_NAMES) {
      const young = serviceNodeFlags(name).filter((f) => f.startsWith('--max-semi-space-size='));
      assert.deepEqual(young, [`--max-semi-space-size=${name === 'webhook-listener' ? 16 : 8}`], name);
      assert.equal(SEMI_SPACE_MB[name], name === 'webhook-listener' ? 16 : 8);
    }
  });

  it('the TypeScript path passes the same flags before its loader', () => {
    const args = serviceArgs('audit-log', false);
    const loader = args.indexOf('-r');
    for (const f of [...SERVICE_NODE_FLAGS, ...BACKGROUND_NODE_FLAGS]) {
      assert.ok(args.indexOf(f) > -1 && args.indexOf(f) < loader, `${f} before -r`);
    }
    assert.ok(!serviceArgs('dispatcher', false).includes('--single-threaded-gc'), 'the dispatcher keeps V8 helper threads');
  });

  it('every service starts with MALLOC_ARENA_MAX=2 unless its environment says otherwise', () => {
    const env = serviceEnv({ PATH: '/usr/bin' }, { HOOKLINE_DATABASE_URL: 'postgres://x' }, 4100);
    assert.equal(env.MALLOC_ARENA_MAX, '2');
    assert.equal(env.PATH, '/usr/bin');
    assert.equal(env.HOOKLINE_DATABASE_URL, 'postgres://x');
    assert.equal(env.HOOKLINE_LISTEN_PORT, '4100');
    assert.equal(serviceEnv({ MALLOC_ARENA_MAX: '4' }, {}, 1).MALLOC_ARENA_MAX, '4');
    assert.equal(serviceEnv({}, { MALLOC_ARENA_MAX: '1' }, 1).MALLOC_ARENA_MAX, '1');
  });
});
