import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCtxSwitches, parseMachineCpu, parseProcIo, sampleCpu, sampleSyscalls, windowCpu, windowCpuText } from './cpu';

describe('machine CPU (/proc/stat)', () => {
  it('reads the first line: busy includes steal, idle includes iowait, guest is not counted twice', () => {
    const m = parseMachineCpu('cpu  3326379 4085 1122262 5406417 26134 0 105104 7 11 0', 100);
    assert.ok(m);
    assert.equal(m.busy, (3326379 + 4085 + 1122262 + 0 + 105104 + 7) / 100);
    assert.equal(m.idle, (5406417 + 26134) / 100);
    assert.equal(m.steal, 0.07);
  });

  it('refuses what is not the machine line', () => {
    assert.equal(parseMachineCpu('cpu0 1 2 3 4 5 6 7 8', 100), undefined);
    assert.equal(parseMachineCpu('cpu 1 2 3', 100), undefined);
    assert.equal(parseMachineCpu('cpu 1 2 x 4 5 6 7 8', 100), undefined);
  });

  it('splits a window into what the watched processes used and what ran outside them', () => {
    // 10 s on 2 cores: 14 s busy (0.5 s of it stolen), 6 s idle; the watched processes used 12.04 s.
    const w = windowCpu({ dispatcher: 5, 'nats-server': 4, bench: 3, signer: 0.04 }, { busy: 100, idle: 50, steal: 1 }, { busy: 114, idle: 56, steal: 1.5 }, 10);
    assert.equal(w.machineBusyPct, 140);
    assert.equal(w.watchedPct, 120.4);
    assert.equal(w.outsidePct, 19.6);
    assert.equal(w.stealPct, 5);
    assert.equal(w.cores, 2);
    assert.deepEqual(w.perProcessPct, [['dispatcher', 50], ['nats-server', 40], ['bench', 30], ['signer', 0.4]]);
    assert.equal(windowCpuText(w), 'machine 140% busy of 200% (the stack and the bench 120.4%: dispatcher 50, nats-server 40, bench 30; outside them 19.6%; steal 5%)');
  });

  it('never reports negative time outside the watched processes (their clocks tick apart from /proc/stat)', () => {
    const w = windowCpu({ dispatcher: 2.1 }, { busy: 0, idle: 0, steal: 0 }, { busy: 2, idle: 0, steal: 0 }, 1);
    assert.equal(w.outsidePct, 0);
  });
});

describe('system calls per process (/proc/<pid>/io)', () => {
  it('reads syscr and syscw', () => {
    const text = 'rchar: 123\nwchar: 456\nsyscr: 789\nsyscw: 1011\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n';
    assert.deepEqual(parseProcIo(text), { reads: 789, writes: 1011 });
    assert.equal(parseProcIo('rchar: 1\nwchar: 2\n'), undefined);
  });

  it("reads a thread's voluntary and involuntary context switches", () => {
    const text = 'Name:\tnode\nState:\tS (sleeping)\nThreads:\t11\nvoluntary_ctxt_switches:\t4021\nnonvoluntary_ctxt_switches:\t87\n';
    assert.deepEqual(parseCtxSwitches(text), { voluntary: 4021, involuntary: 87 });
    assert.equal(parseCtxSwitches('Name:\tnode\n'), undefined);
  });

  it('counts the writes this process makes, and leaves out a group with no such process', { skip: process.platform !== 'linux' }, async () => {
    const { writeSync, openSync, closeSync } = await import('node:fs');
    const groups = { self: { pid: process.pid, tree: false }, gone: { pid: 2 ** 22 + 1, tree: true } };
    const before = sampleSyscalls(groups);
    assert.ok(before.self, 'this process may read its own /proc/self/io');
    assert.equal(before.gone, undefined);
    const fd = openSync('/dev/null', 'w');
    for (let i = 0; i < 50; i++) writeSync(fd, 'x');
    closeSync(fd);
    const after = sampleSyscalls(groups);
    assert.ok(after.self.writes - before.self.writes >= 50, `${after.self.writes - before.self.writes} writes counted`);
    // Sleeping gives the core up: at least one voluntary switch more, summed over this process's threads.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const slept = sampleSyscalls(groups);
    assert.ok(slept.self.voluntary > before.self.voluntary, `${slept.self.voluntary - before.self.voluntary} voluntary switches counted`);
    assert.ok(slept.self.involuntary >= before.self.involuntary);
    // The same groups for CPU time: the root alone without its tree.
    assert.ok(sampleCpu(groups).self >= 0);
    assert.equal(sampleCpu(groups).gone, undefined);
  });
});
