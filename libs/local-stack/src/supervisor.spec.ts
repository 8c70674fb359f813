import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcessExit } from './service-process';
import { restartDelay, shouldRestart, Supervisor, type RestartPolicy, type SupervisedProcess } from './supervisor';

describe('restartDelay', () => {
  const policy: RestartPolicy = { initialDelayMs: 1000, maxDelayMs: 30_000, stableAfterMs: 60_000 };
  for (const [failures, ms] of [
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [5, 16_000],
    [6, 30_000],
    [20, 30_000],
  ] as const) {
    it(`waits ${ms} ms before restart attempt ${failures}`, () => assert.equal(restartDelay(policy, failures), ms));
  }
});

describe('shouldRestart', () => {
  const cases: [SupervisedProcess['kind'], ProcessExit, boolean, string][] = [
    ['service', { code: null, signal: 'SIGKILL', requested: false }, true, 'killed by someone else'],
    ['service', { code: 1, signal: null, requested: false }, true, 'crashed'],
    ['service', { code: 78, signal: null, requested: false }, false, 'refused its configuration: it would again'],
    ['postgres', { code: 78, signal: null, requested: false }, true, 'exit 78 means nothing special to postgres'],
    ['service', { code: 0, signal: null, requested: true }, false, 'stopped on purpose'],
    ['nats-server', { code: null, signal: 'SIGKILL', requested: true }, false, 'killed through its handle (a test restarts it itself)'],
  ];
  for (const [kind, exit, expected, why] of cases) it(`${expected ? 'restarts' : 'leaves'} a ${kind} that ${why}`, () => assert.equal(shouldRestart(kind, exit), expected));
});

/** A process double: `die()` ends it as a crash would; `failStarts` makes the next starts fail. */
function fakeProcess(name: string, kind: SupervisedProcess['kind'] = 'service') {
  let pid = 100;
  let alive = true;
  let failStarts = 0;
  const listeners: ((e: ProcessExit) => void)[] = [];
  const proc: SupervisedProcess & { die(exit?: Partial<ProcessExit>): void; failNext(n: number): void; starts: number } = {
    name,
    kind,
    starts: 0,
    pid: () => pid,
    async start() {
      proc.starts++;
      if (failStarts > 0) {
        failStarts--;
        throw new Error(`${name} exited with 1: boom\nmore`);
      }
      pid++;
      alive = true;
    },
    async kill() {
      alive = false;
    },
    onExit: (l) => void listeners.push(l),
    ready: async () => ({ ready: alive }),
    die(exit = {}) {
      alive = false;
      for (const l of listeners) l({ code: null, signal: 'SIGKILL', requested: false, ...exit });
    },
    failNext(n) {
      failStarts = n;
    },
  };
  return proc;
}

const until = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), what);
};

describe('Supervisor', () => {
  const policy: RestartPolicy = { initialDelayMs: 10, maxDelayMs: 40, stableAfterMs: 60_000 };

  it('restarts a process that died, says so, logs it, and counts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookline-supervisor-'));
    const said: string[] = [];
    const sup = new Supervisor({ policy, say: (l) => said.push(l), logFile: join(dir, 'supervisor.log') });
    try {
      const p = fakeProcess('dispatcher');
      sup.watch(p);
      assert.equal(sup.status()[0].pid, 100);
      p.die();
      assert.equal(sup.status()[0].state, 'restarting');
      await until('restarted', () => sup.status()[0].state === 'running');
      const s = sup.status()[0];
      assert.deepEqual([s.pid, s.restarts, s.ready, s.lastExit?.signal], [101, 1, true, 'SIGKILL']);
      assert.match(said[0], /^\[hookline\] dispatcher was killed by SIGKILL; restarting it in 10 ms \(restart 1\)$/);
      assert.match(said[1], /^\[hookline\] dispatcher is back: pid 101, ready \(restart 1\)$/);
      const events = readFileSync(join(dir, 'supervisor.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; process: string });
      assert.deepEqual(events.map((e) => [e.event, e.process]), [['restarting', 'dispatcher'], ['restarted', 'dispatcher']]);
    } finally {
      sup.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits longer after each failed attempt, up to the cap, and resets once it runs', async () => {
    const said: string[] = [];
    const sup = new Supervisor({ policy, say: (l) => said.push(l) });
    try {
      const p = fakeProcess('signer');
      sup.watch(p);
      p.failNext(3);
      p.die({ code: 1, signal: null });
      await until('back after four attempts', () => sup.status()[0].state === 'running');
      assert.equal(p.starts, 4);
      assert.equal(sup.status()[0].restarts, 4);
      const delays = said.filter((l) => l.includes('restarting it in')).map((l) => /in (\d+) ms/.exec(l)?.[1]);
      assert.deepEqual(delays, ['10', '20', '40', '40']);
      assert.match(said[1], /signer did not come back \(signer exited with 1: boom\)/);
    } finally {
      sup.stop();
    }
  });

  it('leaves alone a process stopped through its handle, and a service that refused its configuration', async () => {
    const said: string[] = [];
    const sup = new Supervisor({ policy, say: (l) => said.push(l) });
    try {
      const stopped = fakeProcess('nats-server', 'nats-server');
      const refused = fakeProcess('registry');
      sup.watch(stopped);
      sup.watch(refused);
      stopped.die({ requested: true });
      refused.die({ code: 78, signal: null });
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(sup.status().map((s) => [s.name, s.state, s.restarts]), [['nats-server', 'stopped', 0], ['registry', 'failed', 0]]);
      assert.equal(stopped.starts + refused.starts, 0);
      assert.deepEqual(said, ['[hookline] registry exited with code 78 (its configuration was refused): not restarting it; fix the configuration and start again']);
    } finally {
      sup.stop();
    }
  });

  it('restarts nothing once stopped', async () => {
    const sup = new Supervisor({ policy, say: () => undefined });
    const p = fakeProcess('audit-log');
    sup.watch(p);
    sup.stop();
    p.die();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(p.starts, 0);
  });

  it('reports readiness as last checked', async () => {
    const sup = new Supervisor({ policy, say: () => undefined });
    try {
      const p = fakeProcess('webhook-listener');
      sup.watch(p);
      assert.equal((await sup.checkReadiness())[0].ready, true);
      await p.kill();
      assert.equal((await sup.checkReadiness())[0].ready, false);
    } finally {
      sup.stop();
    }
  });
});
