// The custom-integrations demo `npm start` runs beside the platform, and the browser tests
// drive: a stand-in host application (a veterinary practice's pages, each with a
// <hookline-integrations> element) on one origin, and a stand-in integration (the
// "local receiver": background requests, new windows, side panels, and a button that
// posts "reload" back) on another. It sets up its tenant, an API account that acts as a
// user, and one integration or more for every page kind, through the public API only.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as OTPAuth from 'otpauth';

export const DEMO_TENANT = 'integrations-demo';
export const DEMO_SALT = 'demo-verification-salt';
const DEMO_ACCOUNT = 'demo-host-application';
const DEMO_USER = 'dr-demo';
const STATIC_HEADER = { 'X-Demo-Key': 'demo-static-header-value' };

export interface DemoReceived {
  method: string;
  path: string;
  fields: [string, string][];
  headers: Record<string, string>;
  verification: 'valid' | 'invalid' | 'none';
  at: number;
}

export interface IntegrationsDemo {
  /** The host application's page. */
  hostUrl: string;
  /** The stand-in integration. */
  receiverUrl: string;
  /** The same receiver under another origin (localhost instead of 127.0.0.1), for messages that must be ignored. */
  foreignUrl: string;
  /** What the stand-in integration received, oldest first. */
  received: DemoReceived[];
  /** The integrations set up, by name. */
  integrations: Record<string, string>;
  close(): Promise<void>;
}

export interface DemoOptions {
  apiUrl: string;
  operatorToken: string;
  /** 0 picks free ports. */
  hostPort?: number;
  receiverPort?: number;
  host?: string;
}

interface DemoIntegration {
  name: string;
  page: string;
  action: 'background' | 'new_window' | 'side_panel';
  method: 'GET' | 'POST';
  path: string;
  parameterName: string;
  verification?: boolean;
  headers?: Record<string, string>;
}

/** The integrations of the demo, in the order the dropdowns show them. */
export const DEMO_INTEGRATIONS: readonly DemoIntegration[] = [
  { name: 'Sync client to CRM', page: 'client', action: 'background', method: 'GET', path: '/api/clients', parameterName: 'id=client_', verification: true, headers: STATIC_HEADER },
  { name: 'Open client in CRM', page: 'client', action: 'new_window', method: 'GET', path: '/crm/client', parameterName: 'id=client_', verification: true },
  { name: 'Patient chart', page: 'patient', action: 'side_panel', method: 'GET', path: '/chart', parameterName: 'patient_id', verification: true },
  { name: 'Send invoice to accounting', page: 'invoice', action: 'background', method: 'POST', path: '/api/invoices', parameterName: 'invoice_id' },
  { name: 'Lab order form', page: 'consultation', action: 'new_window', method: 'POST', path: '/lab/order', parameterName: 'consultation_id', verification: true },
  { name: 'Broken booking sync', page: 'appointment_calendar', action: 'background', method: 'GET', path: '/api/fail', parameterName: 'department_id' },
  { name: 'Rota planner (no frames)', page: 'shift_calendar', action: 'side_panel', method: 'GET', path: '/deny/rota', parameterName: 'department_id' },
  { name: 'PACS viewer', page: 'diagnostic_imaging', action: 'side_panel', method: 'POST', path: '/pacs', parameterName: 'referral_id' },
  { name: 'Send reminders by SMS', page: 'reminders', action: 'background', method: 'POST', path: '/api/reminders', parameterName: 'reminder_id=rem_' },
  { name: 'Print reminder letters', page: 'reminders', action: 'new_window', method: 'GET', path: '/letters', parameterName: 'reminder_id' },
];

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

/** The API, as the operator (setup) or as the demo user (nothing else here needs more). */
async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* text */
  }
  return { status: res.status, body: parsed };
}

function must(r: { status: number; body: unknown }, what: string, ok: number[] = [200, 201]): any {
  if (!ok.includes(r.status)) throw new Error(`integrations demo: ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function startIntegrationsDemo(opts: DemoOptions): Promise<IntegrationsDemo> {
  const host = opts.host ?? '127.0.0.1';
  const received: DemoReceived[] = [];
  let hostOrigin = '';

  // ---- the stand-in integration -------------------------------------------------
  const receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://demo');
      const body = await readBody(req);
      const fields = [...url.searchParams, ...(req.method === 'POST' ? [...new URLSearchParams(body)] : [])] as [string, string][];
      const ts = fields.find(([k]) => k === 'timestamp')?.[1];
      const v = fields.find(([k]) => k === 'verification')?.[1];
      // Compared in constant time, as a receiver should: this page is the example people copy.
      const verification = ts && v ? (sameText(createHash('md5').update(ts + DEMO_SALT).digest('hex'), v) ? 'valid' : 'invalid') : 'none';
      const headers: Record<string, string> = {};
      for (const [k, val] of Object.entries(req.headers)) headers[k] = Array.isArray(val) ? val.join(', ') : (val ?? '');
      if (url.pathname !== '/favicon.ico') received.push({ method: req.method ?? '', path: url.pathname, fields, headers, verification, at: Date.now() });
      if (url.pathname.startsWith('/api/')) {
        const fail = url.pathname.startsWith('/api/fail');
        res.writeHead(fail ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(fail ? { error: 'the booking system is down' } : { ok: true }));
        return;
      }
      const frame: Record<string, string> = url.pathname.startsWith('/deny') ? { 'x-frame-options': 'DENY' } : { 'content-security-policy': `frame-ancestors ${hostOrigin}` };
      const rows = fields.map(([k, val]) => `<tr><th>${escape(k)}</th><td>${escape(val)}</td></tr>`).join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...frame }).end(`<!doctype html><html><head><meta charset="utf-8"><title>Demo integration</title>
<style>body{font:15px system-ui,sans-serif;margin:20px;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
.ok{color:#1d5b2a;font-weight:600}.bad{color:#c62828;font-weight:600}button{margin-top:16px;padding:6px 12px}</style></head>
<body><h2>Received by the demo integration</h2>
<p id="request">${escape(req.method ?? '')} ${escape(url.pathname)}</p>
<table id="fields">${rows}</table>
<p id="verification" class="${verification === 'invalid' ? 'bad' : 'ok'}">verification: ${verification}</p>
<button id="reload" type="button">Reload the Hookline page</button>
<script>
document.getElementById('reload').addEventListener('click', function () {
  // The seed's two-way communication: a window opened by the page posts to its opener; a frame to its parent.
  var target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) target.postMessage('reload', ${JSON.stringify(hostOrigin)});
});
</script></body></html>`);
    })();
  });
  const receiverPort = await listen(receiver, opts.receiverPort ?? 0, host);
  const receiverUrl = `http://${host}:${receiverPort}`;
  const foreignUrl = `http://localhost:${receiverPort}`;

  // ---- the stand-in host application --------------------------------------------
  let token: { value: string; until: number } | undefined;
  let account: { id: string; apiToken: string; totp: OTPAuth.TOTP; lastStep: number } | undefined;
  const userToken = async (): Promise<string> => {
    if (token && token.until > Date.now() + 60_000) return token.value;
    if (!account) throw new Error('the demo is not set up');
    // A TOTP code is accepted once per step: take the next unused one.
    let step = Math.floor(Date.now() / 30_000);
    if (step <= account.lastStep) step = account.lastStep + 1;
    account.lastStep = step;
    const login = must(await api(opts.apiUrl, '', 'POST', '/v1/auth/login', { account: account.id, token: account.apiToken, totp: account.totp.generate({ timestamp: step * 30_000 }) }), 'login');
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: login.accessToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_subject: DEMO_USER,
    });
    const exchanged = must(await api(opts.apiUrl, '', 'POST', '/oauth/token', form.toString()), 'token exchange');
    token = { value: exchanged.access_token, until: Date.now() + exchanged.expires_in * 1000 };
    return token.value;
  };

  const hostServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/token.json') {
        try {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ token: await userToken() }));
        } catch (err) {
          res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
        }
        return;
      }
      if (path === '/foreign-frame') {
        // A page of another origin inside the host page, not opened by the component: its "reload" must be ignored.
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>foreign frame</p>');
        return;
      }
      if (path !== '/') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(hostPage(opts.apiUrl));
    })();
  });
  const hostPort = await listen(hostServer, opts.hostPort ?? 0, host);
  const hostUrl = `http://${host}:${hostPort}/`;
  hostOrigin = `http://${host}:${hostPort}`;

  const close = async () => {
    for (const s of [receiver, hostServer]) {
      await new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      });
    }
  };

  try {
    const integrations = await setUp(opts, receiverUrl, (a) => (account = a));
    return { hostUrl, receiverUrl, foreignUrl, received, integrations, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Tenant, unit, user, the host application's account and the integrations; a second start finds them and reuses them. */
async function setUp(opts: DemoOptions, receiverUrl: string, keep: (a: { id: string; apiToken: string; totp: OTPAuth.TOTP; lastStep: number }) => void): Promise<Record<string, string>> {
  const op = (method: string, path: string, body?: unknown) => api(opts.apiUrl, opts.operatorToken, method, path, body);
  must(await op('POST', '/v1/tenants', { id: DEMO_TENANT, name: 'Happy Paws Veterinary (demo)' }), 'tenant', [201, 409]);
  must(await op('POST', '/v1/units', { tenant: DEMO_TENANT, id: 'main-street', name: 'Main Street clinic' }), 'unit', [201, 409]);
  must(await op('POST', '/v1/users', { tenant: DEMO_TENANT, id: DEMO_USER, displayName: 'Dr Demo', units: ['main-street'] }), 'user', [201, 409]);
  const accounts = must(await op('GET', `/v1/accounts?tenant=${DEMO_TENANT}&limit=500`), 'accounts');
  const existing = (accounts.data as { id: string; name: string }[]).find((a) => a.name === DEMO_ACCOUNT);
  const issued = existing
    ? must(await op('POST', `/v1/accounts/${existing.id}/credentials?tenant=${DEMO_TENANT}`, {}), 'new credentials')
    : must(await op('POST', '/v1/accounts', { tenant: DEMO_TENANT, name: DEMO_ACCOUNT, grants: [{ actions: ['integrations:use', 'users:impersonate'], units: ['main-street'] }] }), 'account');
  const id = existing?.id ?? issued.account.id;
  keep({ id, apiToken: issued.credentials.token, totp: new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(issued.credentials.totp.secret), algorithm: 'SHA1', digits: 6, period: 30 }), lastStep: 0 });

  const byName: Record<string, string> = {};
  const list = must(await op('GET', `/v1/integrations?tenant=${DEMO_TENANT}&limit=500`), 'integrations');
  for (const i of list.data as { id: string; name: string; url: string }[]) {
    // A receiver on another port (an earlier start): point the integration here.
    const wanted = DEMO_INTEGRATIONS.find((d) => d.name === i.name);
    if (!wanted) continue;
    if (!i.url.startsWith(receiverUrl)) must(await op('PATCH', `/v1/integrations/${i.id}?tenant=${DEMO_TENANT}`, { url: receiverUrl + wanted.path }), 'integration url');
    byName[i.name] = i.id;
  }
  for (const d of DEMO_INTEGRATIONS) {
    if (byName[d.name]) continue;
    const created = must(
      await op('POST', '/v1/integrations', {
        tenant: DEMO_TENANT,
        name: d.name,
        page: d.page,
        action: d.action,
        method: d.method,
        url: receiverUrl + d.path,
        parameterName: d.parameterName,
        ...(d.verification ? { verification: true, verificationSalt: DEMO_SALT } : {}),
        ...(d.headers ? { headers: d.headers } : {}),
      }),
      `integration ${d.name}`,
    );
    byName[d.name] = created.id;
  }
  return byName;
}

function hostPage(apiUrl: string): string {
  const card = (title: string, page: string, ids: string, extra = '') => `
  <section class="card" data-page="${page}">
    <div class="head"><h2>${title}</h2><hookline-integrations page="${page}" ${ids} api="${escape(apiUrl)}"></hookline-integrations></div>
    <p class="kind">page <code>${page}</code></p>${extra}
  </section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Happy Paws Veterinary: custom integrations demo</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1f2933; }
  header { background: #1f4e79; color: #fff; padding: 14px 24px; }
  header h1 { margin: 0; font-size: 20px; } header p { margin: 4px 0 0; opacity: .85; }
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 16px; padding: 20px 24px; }
  .card { background: #fff; border-radius: 8px; padding: 14px 16px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  .head { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
  .card h2 { font-size: 16px; margin: 0; } .kind { margin: 6px 0 0; color: #6b7280; font-size: 13px; }
  label { display: block; margin: 4px 0; } #log { grid-column: 1 / -1; font-size: 13px; color: #374151; }
</style></head>
<body>
<header><h1>Happy Paws Veterinary</h1><p>A stand-in host application: every page kind with its custom integration buttons (brown), wired to a local demo integration.</p></header>
<main>
${card('Client: Ada Lovelace', 'client', 'object-id="1001"')}
${card('Patient: Rex (dog)', 'patient', 'object-id="2001"')}
${card('Invoice INV-3001', 'invoice', 'object-id="3001"')}
${card('Consultation 4001', 'consultation', 'object-id="4001"')}
${card('Appointment calendar', 'appointment_calendar', 'object-id="10"')}
${card('Shift calendar', 'shift_calendar', 'object-id="10"')}
${card('Diagnostic imaging referral 5001', 'diagnostic_imaging', 'object-id="5001"')}
${card('Reminders', 'reminders', 'id="reminders-buttons"', `
    <div id="reminder-list">${[1, 2, 3, 4, 5].map((n) => `<label><input type="checkbox" value="${600 + n}"> Reminder ${600 + n} (vaccination due)</label>`).join('')}</div>`)}
  <p id="log">Loaded at <span id="loaded-at"></span>. Buttons and requests go to ${escape(apiUrl)}.</p>
</main>
<script type="module">
  document.getElementById('loaded-at').textContent = new Date().toISOString();
  window.__hostLoads = (Number(sessionStorage.getItem('loads') || 0) + 1);
  sessionStorage.setItem('loads', String(window.__hostLoads));
  await import(${JSON.stringify(`${apiUrl}/integration-buttons/hookline-integrations.js`)});
  const elements = [...document.querySelectorAll('hookline-integrations')];
  async function refreshToken() {
    const { token } = await (await fetch('/token.json')).json();
    for (const el of elements) el.token = token;
  }
  await refreshToken();
  setInterval(refreshToken, 10 * 60 * 1000);
  // Reminders: the selected ids, in the order they are in the table.
  const reminders = document.getElementById('reminders-buttons');
  const boxes = [...document.querySelectorAll('#reminder-list input')];
  const sync = () => { reminders.objectIds = boxes.filter((b) => b.checked).map((b) => b.value); };
  boxes.forEach((b) => b.addEventListener('change', sync));
  sync();
</script>
</body></html>`;
}

/** Whether two strings are equal, in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
