// Raw HTTP clients POSTing 1 KB JSON to a bare node:http receiver on loopback: the
// ceiling for what any webhook sender on this machine can do at this concurrency.
import { Agent as HttpAgent } from 'node:http';
import axios from 'axios';
import { Agent } from 'undici';
import { nowMs } from '../lib/clock';
import { closedLoop } from '../lib/load';
import { rawBody } from '../lib/payload';
import type { ReceiverFarm } from '../lib/receiver-farm';
import { rate } from '../lib/stats';
import type { BenchOptions } from '../lib/options';
import type { Results } from '../lib/results';

const warmupOps = (o: BenchOptions) => Math.min(2000, Math.ceil(o.httpRequests / 10));

export async function httpBaselines(o: BenchOptions, farm: ReceiverFarm, results: Results): Promise<void> {
  const [receiver] = await farm.add(1);
  const url = new URL(receiver.url);
  const c = o.httpConcurrency;

  const undici = new Agent({ connections: c, pipelining: 1, keepAliveTimeout: 30_000 });
  try {
    const op = async (i: number) => {
      const res = await undici.request({ origin: url.origin, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body: rawBody(i, nowMs()) });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    };
    await closedLoop({ concurrency: c, maxOps: warmupOps(o), maxMs: o.quick ? 1000 : 5000, op });
    const cpu0 = process.cpuUsage();
    const r = await closedLoop({ concurrency: c, maxOps: o.httpRequests, maxMs: o.httpSeconds * 1000, op });
    const cpu = process.cpuUsage(cpu0);
    const cpuMsPerRequest = r.ops > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / r.ops) * 1000) / 1000 : NaN;
    results.add({
      id: 'baseline.undici',
      section: 'baseline',
      label: `undici ${'request'} POST 1 KB, ${c} concurrent`,
      value: rate(r.ops, r.elapsedMs),
      unit: 'req/s',
      note: `${cpuMsPerRequest} ms CPU per request, client and receiver together`,
      extra: { ...r, concurrency: c, cpuMsPerRequest },
    });
    if (r.errors) results.errors.push(`undici baseline: ${r.errors} errors (${r.firstError})`);
  } finally {
    await undici.close();
  }

  const agent = new HttpAgent({ keepAlive: true, maxSockets: c });
  const client = axios.create({ httpAgent: agent, validateStatus: () => true, transitional: { clarifyTimeoutError: true } });
  try {
    const op = async (i: number) => {
      const res = await client.post(receiver.url, rawBody(i, nowMs()), { headers: { 'content-type': 'application/json' }, responseType: 'text' });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
    };
    await closedLoop({ concurrency: c, maxOps: warmupOps(o), maxMs: o.quick ? 1000 : 5000, op });
    const r = await closedLoop({ concurrency: c, maxOps: o.httpRequests, maxMs: o.httpSeconds * 1000, op });
    results.add({
      id: 'baseline.axios',
      section: 'baseline',
      label: `axios POST 1 KB, ${c} concurrent`,
      value: rate(r.ops, r.elapsedMs),
      unit: 'req/s',
      ratioTo: 'baseline.undici',
      extra: { ...r, concurrency: c },
    });
    if (r.errors) results.errors.push(`axios baseline: ${r.errors} errors (${r.firstError})`);
  } finally {
    agent.destroy();
  }
}
