// The bench's webhook receivers: bare node:http servers on 127.0.0.1, in a worker
// thread of their own so that the load generator's event loop never delays an answer
// or a timestamp. They answer 200 (or hang, or 503), count what they get in shared
// memory the main thread reads without messages, and on request keep latencies.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { nowMs } from './clock';
import { ANY_SLOT, FIELD, FIELDS, MAX_RECEIVERS, type FarmRequest, type ReceiverMode, type WorkerData } from './receiver-protocol';

interface Receiver {
  server: Server;
  port: number;
  mode: ReceiverMode;
  secret?: string;
  seen: Set<string>;
  hung: Set<ServerResponse>;
}

const data = workerData as WorkerData;
const counters = new Int32Array(data.counters);
const times = new Float64Array(data.times);
const receivers: Receiver[] = [];
let latencies: number[] = [];
/** Per recorded latency: from the attempt's start (Hookline-Attempt-At, the dispatcher's clock) to arrival. */
let fromAttempt: number[] = [];
let recordLatency = false;
const LATENCY_CAP = 1_000_000;
const SENT_AT = /"sentAt":(\d+(?:\.\d+)?)/;

const add = (i: number, field: number, n = 1) => Atomics.add(counters, i * FIELDS + field, n);

/** A new delivery arrived: count it and wake a main thread waiting for progress. */
function arrived(i: number, at: number): void {
  add(i, FIELD.unique);
  if (times[i * 2] === 0) times[i * 2] = at;
  times[i * 2 + 1] = at;
  Atomics.add(counters, ANY_SLOT, 1);
  Atomics.notify(counters, ANY_SLOT);
}

function verify(secret: string, header: string | string[] | undefined, body: Buffer): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const got = Buffer.from(header.slice('sha256='.length), 'hex');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

function handle(i: number, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = nowMs();
    const r = receivers[i];
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    add(i, FIELD.requests);
    if (r.mode === 'hang') {
      // Keep the request open until the client gives up (its deadline).
      add(i, FIELD.hung);
      r.hung.add(res);
      res.on('close', () => r.hung.delete(res));
      return;
    }
    if (r.mode === '503') {
      add(i, FIELD.rejected);
      res.writeHead(503, { 'content-type': 'text/plain', 'content-length': '4' }).end('busy');
      return;
    }
    const id = req.headers['hookline-delivery-id'];
    if (typeof id === 'string') {
      if (r.seen.has(id)) add(i, FIELD.duplicates);
      else {
        r.seen.add(id);
        arrived(i, at);
      }
    } else arrived(i, at);
    if (r.secret) {
      const n = Atomics.load(counters, i * FIELDS + FIELD.requests);
      // Verifying every signature would cost the receiver more than the request; a sample proves it.
      if (n % data.verifyEvery === 1 || data.verifyEvery === 1) {
        add(i, FIELD.sigChecked);
        if (!verify(r.secret, req.headers['x-hub-signature'], body)) add(i, FIELD.sigBad);
      }
    }
    if (recordLatency && latencies.length < LATENCY_CAP) {
      const m = SENT_AT.exec(body.toString('latin1'));
      if (m) {
        latencies.push(at - Number(m[1]));
        const attemptAt = Date.parse(String(req.headers['hookline-attempt-at'] ?? ''));
        fromAttempt.push(Number.isFinite(attemptAt) ? at - attemptAt : NaN);
      }
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  });
}

function listen(i: number): Promise<Receiver> {
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => handle(i, req, res));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ server, port, mode: 'ok', seen: new Set(), hung: new Set() });
    });
  });
}

function closeAll(): Promise<void> {
  return Promise.all(
    receivers.map(
      (r) =>
        new Promise<void>((resolve) => {
          for (const res of r.hung) res.destroy();
          r.server.close(() => resolve());
          r.server.closeAllConnections();
        }),
    ),
  ).then(() => undefined);
}

parentPort?.on('message', (msg: FarmRequest) => {
  void (async () => {
    try {
      switch (msg.type) {
        case 'add': {
          const ports: number[] = [];
          for (let k = 0; k < msg.count; k++) {
            if (receivers.length >= MAX_RECEIVERS) throw new Error(`at most ${MAX_RECEIVERS} receivers`);
            const i = receivers.length;
            receivers.push(await listen(i));
            ports.push(receivers[i].port);
          }
          parentPort?.postMessage({ id: msg.id, ports, first: receivers.length - msg.count });
          return;
        }
        case 'configure': {
          const r = receivers[msg.index];
          if (msg.mode !== undefined) {
            r.mode = msg.mode;
            if (msg.mode !== 'hang') for (const res of r.hung) res.destroy();
          }
          if (msg.secret !== undefined) r.secret = msg.secret;
          parentPort?.postMessage({ id: msg.id });
          return;
        }
        case 'record': {
          recordLatency = msg.on;
          if (msg.on) {
            latencies = [];
            fromAttempt = [];
          }
          parentPort?.postMessage({ id: msg.id });
          return;
        }
        case 'latencies': {
          const out = Float64Array.from(latencies);
          const split = Float64Array.from(fromAttempt);
          parentPort?.postMessage({ id: msg.id, latencies: out, fromAttempt: split }, [out.buffer, split.buffer]);
          return;
        }
        case 'close': {
          await closeAll();
          parentPort?.postMessage({ id: msg.id });
          return;
        }
      }
    } catch (err) {
      parentPort?.postMessage({ id: msg.id, error: (err as Error).message });
    }
  })();
});
