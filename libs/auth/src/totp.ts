// TOTP (RFC 6238 over RFC 4226 HOTP): SHA-1, 6 digits, 30-second steps, the form every
// authenticator app understands. A code is accepted one step either side of now, and
// only for a step later than the last one used, so no code works twice.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
export const TOTP_ALGORITHM = 'SHA1';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/=+$/, '').replace(/\s+/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const idx = ALPHABET.indexOf(ch);
    if (idx < 0) throw new Error('not base32');
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** 20 random bytes: the RFC 4226 recommended length for SHA-1. */
export function generateTotpSecret(): Buffer {
  return randomBytes(20);
}

export function hotp(secret: Buffer, counter: number, digits = TOTP_DIGITS): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(bin % 10 ** digits).padStart(digits, '0');
}

export function totpStep(nowMs: number, period = TOTP_PERIOD_SECONDS): number {
  return Math.floor(nowMs / 1000 / period);
}

export function totpAt(secret: Buffer, nowMs: number): string {
  return hotp(secret, totpStep(nowMs));
}

export type TotpCheck = { ok: true; step: number } | { ok: false; reason: 'malformed' | 'invalid' | 'replayed' };

/**
 * Checks a code against the steps around now. `lastUsedStep` is the step of the last
 * accepted code for this secret: a code of that step or an earlier one is a replay.
 */
export function verifyTotp(secret: Buffer, code: string, opts: { nowMs: number; lastUsedStep: number | null; window?: number }): TotpCheck {
  if (!/^\d{6}$/.test(code)) return { ok: false, reason: 'malformed' };
  const window = opts.window ?? 1;
  const now = totpStep(opts.nowMs);
  const given = Buffer.from(code);
  let replayed = false;
  for (let step = now - window; step <= now + window; step++) {
    if (!timingSafeEqual(Buffer.from(hotp(secret, step)), given)) continue;
    if (opts.lastUsedStep !== null && step <= opts.lastUsedStep) {
      replayed = true;
      continue;
    }
    return { ok: true, step };
  }
  return { ok: false, reason: replayed ? 'replayed' : 'invalid' };
}

/** The otpauth:// URI an authenticator app scans (Key Uri Format). */
export function totpUri(opts: { issuer: string; label: string; secret: Buffer }): string {
  const params = new URLSearchParams({
    secret: base32Encode(opts.secret),
    issuer: opts.issuer,
    algorithm: TOTP_ALGORITHM,
    digits: String(TOTP_DIGITS),
    period: String(TOTP_PERIOD_SECONDS),
  });
  return `otpauth://totp/${encodeURIComponent(opts.issuer)}:${encodeURIComponent(opts.label)}?${params.toString()}`;
}
