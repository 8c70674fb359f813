import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort, freePortBlock, PORT_RESERVATIONS_DIR, releasePort, reservePort, StopWaiting, waitFor } from './ports';

describe('freePort', () => {
  it('picks distinct bindable ports below the ephemeral range, so outgoing connections never hold them', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const p of ports) assert.ok(p >= 10_000 && p < low, `${p} is outside [10000, ${low})`);
    assert.ok(new Set(ports).size > 15, 'spread over the range, not one port again and again');
    const srv = createServer();
    await new Promise<void>((resolve, reject) => {
      srv.on('error', reject);
      srv.listen(ports[0], '127.0.0.1', () => resolve());
    });
    await new Promise<void>((r) => srv.close(() => r()));
  });
});

describe('freePortBlock', () => {
  it('gives the first of that many consecutive bindable ports', async () => {
    const first = await freePortBlock(7);
    const servers = Array.from({ length: 7 }, () => createServer());
    try {
      for (const [i, srv] of servers.entries()) {
        await new Promise<void>((resolve, reject) => {
          srv.on('error', reject);
          srv.listen(first + i, '127.0.0.1', () => resolve());
        });
      }
    } finally {
      await Promise.all(servers.map((srv) => new Promise<void>((r) => (srv.listening ? srv.close(() => r()) : r()))));
    }
  });
});

describe('port reservations', () => {
  it('a port handed out is never handed out again, in this process or another live one; a dead holder\'s is taken over', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    assert.equal(new Set(ports).size, ports.length, 'no port handed out twice');
    for (const p of ports.slice(0, 5)) {
      assert.equal(readFileSync(join(PORT_RESERVATIONS_DIR, String(p)), 'utf8'), String(process.pid));
      assert.equal(reservePort(p), false, 'already ours: not again');
    }

    // Another live process holds this one; a process that is gone held that one.
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    const gone = spawn('true', [], { stdio: 'ignore' });
    await new Promise((r) => gone.once('exit', r));
    try {
      const [held, stale] = [ports[5], ports[6]];
      releasePort(held);
      releasePort(stale);
      writeFileSync(join(PORT_RESERVATIONS_DIR, String(held)), String(other.pid));
      writeFileSync(join(PORT_RESERVATIONS_DIR, String(stale)), String(gone.pid));
      assert.equal(reservePort(held), false, 'held by a live process');
      assert.equal(reservePort(stale), true, 'its holder is gone');
      assert.equal(readFileSync(join(PORT_RESERVATIONS_DIR, String(stale)), 'utf8'), String(process.pid));
      unlinkSync(join(PORT_RESERVATIONS_DIR, String(held)));
    } finally {
      other.kill();
    }

    // Released: the file is gone and the port can be had again.
    releasePort(ports[7]);
    assert.equal(existsSync(join(PORT_RESERVATIONS_DIR, String(ports[7]))), false);
    assert.equal(reservePort(ports[7]), true);
  });
});

describe('waitFor', () => {
  it('gives up at once when the check says waiting cannot help, and keeps trying through other errors', async () => {
    const started = Date.now();
    await assert.rejects(
      waitFor('a service', async () => {
        throw new StopWaiting('it exited with 1');
      }, 30_000, 10),
      /gave up waiting for a service: it exited with 1/,
    );
    assert.ok(Date.now() - started < 5_000, 'did not wait for the timeout');
    let calls = 0;
    await waitFor('the third try', async () => {
      calls++;
      if (calls < 3) throw new Error('not yet');
      return true;
    }, 30_000, 1);
    assert.equal(calls, 3);
  });
});
