import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get } from 'node:http';
import { clientErrorAnswer, IDLE_CONNECTION_MS, keepIdleConnections } from './client-errors';

describe('answers to requests the HTTP parser refuses', () => {
  const table: [string | undefined, number | undefined][] = [
    ['HPE_HEADER_OVERFLOW', 431],
    ['HPE_INVALID_METHOD', 400],
    ['HPE_INVALID_HEADER_TOKEN', 400],
    [undefined, 400],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408],
    ['ECONNRESET', undefined],
  ];
  for (const [code, status] of table) it(`${code ?? '(no code)'} -> ${status ?? 'no answer'}`, () => assert.equal(clientErrorAnswer(code)?.status, status));
});

describe('keepIdleConnections', () => {
  it('tells clients (and proxies) that an idle connection is kept 65 s, and keeps it', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    keepIdleConnections(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      const header = await new Promise<string | undefined>((resolve, reject) =>
        get({ host: '127.0.0.1', port, path: '/', headers: { connection: 'keep-alive' } }, (res) => {
          res.resume();
          resolve(String(res.headers['keep-alive']));
        }).on('error', reject),
      );
      assert.equal(header, `timeout=${IDLE_CONNECTION_MS / 1000}`);
      assert.equal(server.keepAliveTimeout, 65_000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
