// What loading undici and sending through it costs a process: CPU per request, resident
// memory, V8's heap and the C library's heap ([heap] in /proc/self/smaps, glibc's main
// arena) after loading undici and sending 6,400 requests (200 rounds of 32 at once) through
// an Agent's dispatch() to a loopback server in the same process, as egress does. `index`
// loads undici's index (every module it has); `parts` only the two egress uses
// (libs/egress undici-on-use.ts). One process per reading:
//
//   for m in index parts index parts; do MALLOC_ARENA_MAX=2 node --expose-gc --max-semi-space-size=8 -r @swc-node/register bench/probes/undici-parts.ts $m; done
//
// With MALLOC_MMAP_THRESHOLD_=<bytes> in the environment it shows what glibc's threshold
// for mapping a block on its own does to the C heap and to the CPU (bench/HISTORY.md,
// *Memory*). Not a benchmark with a target: a probe behind two comments.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent, Dispatcher } from 'undici';
import { UNDICI_PARTS } from '@hookline/egress';

const MB = 1024 * 1024;

/** The resident size of the C library's main heap, in MB (0 when the process has none yet). */
function cHeapMb(): number {
  const smaps = readFileSync('/proc/self/smaps', 'utf8');
  const at = smaps.indexOf('[heap]');
  if (at < 0) return 0;
  const rss = /Rss:\s+(\d+) kB/.exec(smaps.slice(at));
  return rss ? Number(rss[1]) / 1024 : 0;
}

/** After a full collection: resident size and V8's heap used (bytes), and the C heap (MB). */
function snapshot(): { rss: number; heap: number; cHeap: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed, cHeap: cHeapMb() };
}

function send(agent: Agent, origin: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const handler: Dispatcher.DispatchHandler = {
      onConnect: () => undefined,
      onHeaders: () => true,
      onData: () => true,
      onComplete: () => resolve(),
      onError: reject,
    };
    agent.dispatch({ origin, path: '/', method: 'POST', body: 'x'.repeat(1000) }, handler);
  });
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== 'index' && mode !== 'parts') throw new Error('usage: undici-parts.ts index|parts');
  const before = snapshot();
  const AgentClass = (mode === 'index' ? require('undici').Agent : require(UNDICI_PARTS.Agent)) as typeof Agent;
  const modules = Object.keys(require.cache).filter((f) => f.includes('/node_modules/undici/')).length;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new AgentClass({ connections: 32 });
  const cpu0 = process.cpuUsage();
  for (let round = 0; round < 200; round++) await Promise.all(Array.from({ length: 32 }, () => send(agent, origin)));
  const cpu = process.cpuUsage(cpu0);
  await agent.close();
  server.close();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = snapshot();
  console.log(
    `${mode}: ${modules} undici modules; ${((cpu.user + cpu.system) / 6400).toFixed(1)} µs of CPU per request (client and server); resident +${((after.rss - before.rss) / MB).toFixed(1)} MB, ` +
      `V8 heap used +${((after.heap - before.heap) / MB).toFixed(1)} MB, C heap ${before.cHeap.toFixed(1)} -> ${after.cHeap.toFixed(1)} MB`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
