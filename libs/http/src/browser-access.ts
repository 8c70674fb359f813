// Cross-origin access for the few routes a browser calls from a host application's page
// (the <hookline-integrations> web component: its buttons, triggers and job states). Only
// the origins configured in HOOKLINE_CORS_ORIGINS get CORS headers; every other route,
// and every other origin, stays same-origin. Credentials travel in the Authorization
// header, never in cookies, so no Access-Control-Allow-Credentials.
import type { NextFunction, Request, Response } from 'express';
import type { FieldSpec } from '@hookline/config';

/** An origin as browsers send it: scheme, host and an optional port, nothing else. */
const ORIGIN_RE = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export function parseOrigins(raw: string): string[] {
  const out: string[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    if (part === '*') {
      out.push('*');
      continue;
    }
    if (!ORIGIN_RE.test(part)) throw new Error(`"${part}" is not an origin such as https://vet.example.com or http://127.0.0.1:8090`);
    out.push(part.toLowerCase());
  }
  return out;
}

export const browserAccessConfig = {
  corsOrigins: {
    env: 'HOOKLINE_CORS_ORIGINS',
    default: [] as string[],
    doc: 'origins of host application pages that embed <hookline-integrations> and call the API from the browser (comma-separated; "*" for any)',
    parse: parseOrigins,
  } satisfies FieldSpec<string[]> & { env: string },
};
export type BrowserAccessConfig = { corsOrigins: string[] };

const ALLOWED_HEADERS = 'authorization, content-type, idempotency-key, last-event-id, x-correlation-id';
const EXPOSED_HEADERS = 'x-correlation-id, retry-after, location';

/** Express middleware: CORS headers for allowed origins, and the answer to their preflight requests. */
export function browserAccess(origins: readonly string[]) {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (typeof origin !== 'string' || !(any || allowed.has(origin.toLowerCase()))) {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
