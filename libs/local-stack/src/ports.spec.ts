import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort, freePortBlock } from './ports';

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
