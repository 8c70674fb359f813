// A real HTTP receiver on loopback for end-to-end tests: it records every request
// (raw body bytes, headers, time) and answers as the test tells it to.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface TestReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Decides the answer to each request (default 204). */
  respond: (req: ReceivedRequest, index: number) => Reply | Promise<Reply>;
  /** Requests whose header `name` equals `value` (e.g. one delivery id). */
  matching(name: string, value: string): ReceivedRequest[];
  /** Accepted connections, whatever happened next. */
  connections(): number;
  close(): Promise<void>;
}

/** host: the loopback address to listen on (default 127.0.0.1; e.g. 127.0.0.2 as a stand-in for a public address). */
export async function startReceiver(respond?: TestReceiver['respond'], opts: { host?: string } = {}): Promise<TestReceiver> {
  const host = opts.host ?? '127.0.0.1';
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  const open = new Set<ServerResponse>();
  const receiver: TestReceiver = {
    url: '',
    port: 0,
    requests,
    respond: respond ?? (() => ({ status: 204 })),
    matching: (name, value) => requests.filter((r) => r.headers[name.toLowerCase()] === value),
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
      const r: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(r);
      const reply = await receiver.respond(r, requests.length - 1);
      if (reply === 'hang') {
        open.add(res);
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  receiver.port = (server.address() as { port: number }).port;
  receiver.url = `http://${host.includes(':') ? `[${host}]` : host}:${receiver.port}`;
  return receiver;
}
