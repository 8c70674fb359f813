// The gateway's proxy on a thread of its own (started by gateway.ts): its event loop and
// heap are not the launcher's, so a launcher that is busy (the bench's load client, a demo
// running, the console being built) does not hold up requests passing through.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { startProxy, type ProxyOptions } from './gateway-proxy';

const port = parentPort;
if (!port) throw new Error('gateway-thread runs as a worker thread (see gateway.ts)');

startProxy(workerData as ProxyOptions).then(
  (proxy) => {
    // How long this thread's event loop was held up (a request passing through waits that
    // long), since the last reset: the bench reads it for each latency window.
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    port.on('message', (m: unknown) => {
      if (m === 'close') void proxy.close().finally(() => port.postMessage({ closed: true }));
      else if (m === 'loop-delay-reset') delay.reset();
      else if (m === 'loop-delay') port.postMessage({ loopDelay: { p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 } });
    });
    port.postMessage({ port: proxy.port });
  },
  (err: Error & { code?: string }) => port.postMessage({ error: err.message, code: err.code }),
);
