// `npm run demo`: against the stack `npm start` runs. Starts a small receiver on
// loopback, creates a tenant, an API account, a topic and a receiver, publishes a few
// events (the receiver turns the second one away at first), and prints the webhook log.
/* eslint-disable no-restricted-properties -- a command-line tool reading where the stack is */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const base = process.env.HOOKLINE_URL ?? `http://127.0.0.1:${process.env.HOOKLINE_HTTP_PORT ?? 8080}`;
const secretsFile = join(process.env.HOOKLINE_DATA_DIR ?? join(process.cwd(), '.data'), 'secrets.json');
const token = process.env.HOOKLINE_OPERATOR_TOKEN ?? (existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')).HOOKLINE_OPERATOR_TOKEN : undefined);

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const step = (s: string) => console.log(`\n▸ ${s}`);

async function main(): Promise<void> {
  if (!token) throw new Error(`no operator token: start the stack with npm start first (or set HOOKLINE_OPERATOR_TOKEN)`);
  try {
    await fetch(`${base}/health`);
  } catch {
    throw new Error(`nothing answers at ${base}: run npm start in another terminal first`);
  }
  const run = Date.now().toString(36);
  const tenant = `demo-${run}`;
  let secret = '';
  let rejectedOnce = false;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const given = String(req.headers['x-hub-signature'] ?? '');
      const valid = given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
      const event = JSON.parse(body.toString());
      const reject = event.data.sku === 'B-2' && !rejectedOnce;
      if (reject) rejectedOnce = true;
      console.log(`  receiver got ${event.topic} ${JSON.stringify(event.data)} delivery=${req.headers['webhook-id']} signature ${valid ? 'valid' : 'INVALID'} -> ${reject ? '503 (turned away this once)' : '200'}`);
      res.writeHead(reject ? 503 : 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/webhooks`;
  try {
    step(`tenant ${tenant}, a unit, an API account that may receive Orders.* webhooks, and the topic`);
    await api('POST', '/v1/tenants', { id: tenant, name: 'Demo Clinic' });
    await api('POST', '/v1/units', { tenant, id: 'main-street', name: 'Main Street' });
    const account = await api('POST', '/v1/accounts', { tenant, name: 'webhook-receiver', grants: [{ actions: ['webhooks:receive'], units: '*', topics: ['Orders.*'] }] });
    console.log(`  account ${account.account.id} (its API token and TOTP secret were shown once, in that response)`);
    await api('POST', '/v1/topics', { tenant, name: 'Orders.Paid', description: 'An order was paid' });

    step(`a receiver at ${receiverUrl}, signing with WebSub (X-Hub-Signature, sha256)`);
    const created = await api('POST', '/v1/receivers', { tenant, name: 'demo receiver', url: receiverUrl, topics: ['Orders.*'], accountId: account.account.id, auth: { protocol: 'websub', algorithm: 'sha256' } });
    secret = created.secret;
    console.log(`  receiver ${created.receiver.id}; its secret is shown once: ${secret.slice(0, 6)}…`);

    step('three host events');
    for (const sku of ['A-1', 'B-2', 'C-3']) {
      const e = await api('POST', '/v1/events', { tenant, topic: 'Orders.Paid', object: { type: 'order', id: sku, unit: 'main-street' }, data: { sku } });
      console.log(`  POST /v1/events -> 202 ${e.id}`);
    }
    await sleep(1500);

    step('the webhook log (GET /v1/deliveries)');
    const log = await api('GET', `/v1/deliveries?tenant=${tenant}`);
    for (const d of log.data) {
      console.log(`  ${d.id}  ${d.topic}  ${d.status.padEnd(9)} last=${d.lastStatusCode} attempts=${d.attempts}${d.nextAttemptAt ? ` next attempt ${d.nextAttemptAt}` : ''}`);
    }
    const waiting = log.data.find((d: { status: string }) => d.status === 'scheduled');
    if (waiting) {
      step(`the turned-away delivery waits for its retry (1h, 2h, 6h, 24h); resend it now, same delivery id`);
      await api('POST', `/v1/deliveries/${waiting.id}/resend?tenant=${tenant}`);
      await sleep(1500);
      const detail = await api('GET', `/v1/deliveries/${waiting.id}?tenant=${tenant}`);
      for (const a of detail.attemptLog) {
        console.log(`  attempt ${a.attempt}${a.manual ? ' (resend)' : ''} at ${a.at}: ${a.statusCode} ${a.ok ? 'ok' : a.errorClass} in ${a.durationMs} ms`);
      }
      console.log(`  request headers as logged: ${JSON.stringify(detail.request.headers)}`);
    }
    console.log(`\nDone. Open ${base}/v1/deliveries?tenant=${tenant} with the operator token to look around.`);
  } finally {
    receiver.close();
  }
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${(err as Error).message}`);
  process.exit(1);
});
