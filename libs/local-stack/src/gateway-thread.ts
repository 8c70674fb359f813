// The gateway's proxy on a thread of its own (started by gateway.ts): its event loop and
// heap are not the launcher's, so a launcher that is busy (the bench's load client, a demo
// running, the console being built) does not hold up requests passing through.
import { parentPort, workerData } from 'node:worker_threads';
import { startProxy, type ProxyOptions } from './gateway-proxy';

const port = parentPort;
if (!port) throw new Error('gateway-thread runs as a worker thread (see gateway.ts)');

startProxy(workerData as ProxyOptions).then(
  (proxy) => {
    port.on('message', (m: unknown) => {
      if (m !== 'close') return;
      void proxy.close().finally(() => port.postMessage({ closed: true }));
    });
    port.postMessage({ port: proxy.port });
  },
  (err: Error & { code?: string }) => port.postMessage({ error: err.message, code: err.code }),
);
