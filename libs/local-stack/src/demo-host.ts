// Local pages that stand in for the host application and the outside world in `npm start`
// (served by the gateway under /local/, never by the platform's services):
//   /local/sign-in  the host application's sign-in page. The OpenID provider sends a person
//                   here at authorize_url; you pick who you are, and this page vouches for
//                   that user with POST /v1/sign-ins (the operator token, as a host's
//                   backend would hold it) and sends the browser on.
//   /local/mail     the e-mails the local SMTP sink received (hookup e-mails), newest first.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MailSink } from './mail-sink';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:1rem;overflow:auto}label{display:block;margin:.3rem 0}</style>
</head><body><h1>${esc(title)}</h1>${body}</body></html>`);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export interface DemoHostOptions {
  /** The API base URL (the gateway itself). */
  apiUrl: string;
  operatorToken: string;
  mail?: MailSink;
}

/** Answers a /local/ request; false when the path is not one of these pages. */
export function demoHost(opts: DemoHostOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${opts.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${opts.operatorToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/local/sign-in' && req.method === 'GET') {
      const interaction = url.searchParams.get('interaction') ?? '';
      const tenant = url.searchParams.get('tenant') ?? '';
      const app = url.searchParams.get('app') ?? 'an app';
      const users = await api(`/v1/users?tenant=${encodeURIComponent(tenant)}&limit=100`);
      const list = users.ok ? ((await users.json()) as { data: { id: string; displayName: string }[] }).data : [];
      const options = list.map((u, i) => `<label><input type="radio" name="user" value="${esc(u.id)}"${i === 0 ? ' checked' : ''}> ${esc(u.displayName)} (${esc(u.id)})</label>`).join('');
      page(
        res,
        200,
        'Sign in to the host application',
        `<p>${esc(app)} asks to act for you in tenant <b>${esc(tenant)}</b>. This page stands in for the host application's own sign-in: pick who you are.</p>
<form method="post" action="/local/sign-in"><input type="hidden" name="interaction" value="${esc(interaction)}"><input type="hidden" name="tenant" value="${esc(tenant)}">
${options || '<p>The tenant has no users yet (POST /v1/users).</p>'}<p><button type="submit">Sign in</button></p></form>`,
      );
      return true;
    }
    if (url.pathname === '/local/sign-in' && req.method === 'POST') {
      const form = await readForm(req);
      const r = await api('/v1/sign-ins', { method: 'POST', body: JSON.stringify({ interaction: form.get('interaction'), tenant: form.get('tenant'), user: form.get('user') }) });
      const answer = (await r.json()) as { redirectTo?: string; detail?: string };
      if (!r.ok || !answer.redirectTo) {
        page(res, r.status, 'Sign-in refused', `<p>${esc(answer.detail ?? `HTTP ${r.status}`)}</p>`);
        return true;
      }
      res.writeHead(303, { location: answer.redirectTo, 'cache-control': 'no-store' }).end();
      return true;
    }
    if (url.pathname === '/local/mail' && req.method === 'GET') {
      const mails = [...(opts.mail?.messages() ?? [])].reverse();
      page(
        res,
        200,
        `Mail received by the local SMTP sink (${mails.length})`,
        mails.length === 0
          ? `<p>Nothing yet. Files are kept in ${esc(opts.mail?.dir ?? '(no sink)')}.</p>`
          : mails.map((m) => `<h3>${esc(m.subject)}</h3><p>${esc(m.at)} · to ${esc(m.to.join(', '))} · ${esc(m.file)}</p><pre>${esc(m.text)}</pre>`).join(''),
      );
      return true;
    }
    return false;
  };
}
