// Checks of inbound webhook signatures, as the senders compute them, over the exact body
// bytes. Pure: the secrets, the headers, the body and the clock come in; whether one of
// the secrets signed the request (and which) comes out, with a reason safe to show the
// sender when none did. Every comparison is constant-time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type InboundPreset = 'github' | 'stripe' | 'standard-webhooks' | 'hmac';

export interface InboundParams {
  preset: InboundPreset;
  header?: string;
  algorithm?: 'sha1' | 'sha256' | 'sha512';
  encoding?: 'hex' | 'base64';
  prefix?: string;
  toleranceSeconds?: number;
}

export interface Candidate {
  version: number;
  secret: string;
}

export type Verdict = { valid: true; version: number } | { valid: false; reason: string };

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function hmac(algorithm: string, key: string | Buffer, ...parts: (string | Buffer)[]): Buffer {
  const h = createHmac(algorithm, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** whsec_<base64> -> the key bytes (Standard Webhooks). */
export function standardWebhooksKeyBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

function withinTolerance(ts: string | undefined, nowSeconds: number, tolerance: number): boolean {
  if (!ts || !/^\d{1,12}$/.test(ts)) return false;
  return Math.abs(nowSeconds - Number(ts)) <= tolerance;
}

/** Which candidate secret signed the request, newest first. Header names are lower case. */
export function verifyInbound(params: InboundParams, candidates: readonly Candidate[], headers: Readonly<Record<string, string>>, body: Buffer, nowSeconds: number): Verdict {
  switch (params.preset) {
    case 'github': {
      const given = headers['x-hub-signature-256'];
      if (!given) return { valid: false, reason: 'the X-Hub-Signature-256 header is missing' };
      const m = /^sha256=([0-9a-f]{64})$/i.exec(given.trim());
      if (!m) return { valid: false, reason: 'X-Hub-Signature-256 is not sha256=<64 hex digits>' };
      const sig = Buffer.from(m[1], 'hex');
      for (const c of candidates) if (equal(hmac('sha256', c.secret, body), sig)) return { valid: true, version: c.version };
      return { valid: false, reason: 'X-Hub-Signature-256 does not match the body' };
    }
    case 'stripe': {
      const given = headers['stripe-signature'];
      if (!given) return { valid: false, reason: 'the Stripe-Signature header is missing' };
      const parts = given.split(',').map((p) => p.trim().split('='));
      const t = parts.find(([k]) => k === 't')?.[1];
      const sigs = parts.filter(([k, v]) => k === 'v1' && v && /^[0-9a-f]{64}$/i.test(v)).map(([, v]) => Buffer.from(v, 'hex'));
      if (!t || sigs.length === 0) return { valid: false, reason: 'Stripe-Signature has no t= timestamp or no v1= signature' };
      if (!withinTolerance(t, nowSeconds, params.toleranceSeconds ?? 300)) return { valid: false, reason: 'the Stripe-Signature timestamp is outside the tolerance' };
      for (const c of candidates) {
        const expected = hmac('sha256', c.secret, `${t}.`, body);
        if (sigs.some((s) => equal(expected, s))) return { valid: true, version: c.version };
      }
      return { valid: false, reason: 'no v1 signature in Stripe-Signature matches the body' };
    }
    case 'standard-webhooks': {
      const id = headers['webhook-id'];
      const ts = headers['webhook-timestamp'];
      const given = headers['webhook-signature'];
      if (!id || !ts || !given) return { valid: false, reason: 'the webhook-id, webhook-timestamp and webhook-signature headers are required' };
      if (!withinTolerance(ts, nowSeconds, params.toleranceSeconds ?? 300)) return { valid: false, reason: 'webhook-timestamp is outside the tolerance' };
      const sigs = given
        .split(' ')
        .map((p) => p.split(','))
        .filter(([v, s]) => v === 'v1' && s && /^[A-Za-z0-9+/]+={0,2}$/.test(s))
        .map(([, s]) => Buffer.from(s, 'base64'));
      if (sigs.length === 0) return { valid: false, reason: 'webhook-signature has no v1,<base64> signature' };
      for (const c of candidates) {
        const expected = hmac('sha256', standardWebhooksKeyBytes(c.secret), `${id}.${ts}.`, body);
        if (sigs.some((s) => equal(expected, s))) return { valid: true, version: c.version };
      }
      return { valid: false, reason: 'no v1 signature in webhook-signature matches the body' };
    }
    case 'hmac': {
      const header = (params.header ?? 'x-signature').toLowerCase();
      const given = headers[header];
      if (!given) return { valid: false, reason: `the ${header} header is missing` };
      const prefix = params.prefix ?? '';
      const value = given.trim();
      if (!value.startsWith(prefix)) return { valid: false, reason: `${header} does not start with "${prefix}"` };
      const digest = value.slice(prefix.length);
      const encoding = params.encoding ?? 'hex';
      const ok = encoding === 'hex' ? /^[0-9a-f]+$/i.test(digest) && digest.length % 2 === 0 : /^[A-Za-z0-9+/]+={0,2}$/.test(digest);
      if (!ok) return { valid: false, reason: `${header} is not ${encoding}` };
      const sig = Buffer.from(digest, encoding);
      for (const c of candidates) if (equal(hmac(params.algorithm ?? 'sha256', c.secret, body), sig)) return { valid: true, version: c.version };
      return { valid: false, reason: `${header} does not match the body` };
    }
  }
}
