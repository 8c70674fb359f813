import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from './ports';

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
