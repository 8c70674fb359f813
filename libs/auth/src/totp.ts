// TOTP (RFC 6238 over RFC 4226 HOTP): SHA-1, 6 digits, 30-second steps, the form every
// authenticator app understands. A code is accepted one step either side of now, and
// only for a step later than the last one used, so no code works twice. The algorithm,
// base32 and the Key Uri Format are the `otpauth` library's; this file only fixes the
// parameters and adds the replay rule, which the library leaves to its caller.
import { randomBytes } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
export const TOTP_ALGORITHM = 'SHA1';

function secretOf(bytes: Uint8Array): Secret {
  // Secret copies what it is given; a Buffer may be a view on Node's shared pool, so hand it its own bytes.
  return new Secret({ buffer: Uint8Array.from(bytes).buffer });
}

export function base32Encode(buf: Uint8Array): string {
  return secretOf(buf).base32;
}

/** RFC 4648 base32, case-insensitive, padding and spaces ignored; throws on any other character. */
export function base32Decode(text: string): Buffer {
  return Buffer.from(Secret.fromBase32(text.replace(/\s+/g, '')).bytes);
}

/** 20 random bytes: the RFC 4226 recommended length for SHA-1. */
export function generateTotpSecret(): Buffer {
  return randomBytes(20);
}

export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  return HOTP.generate({ secret: secretOf(secret), algorithm: TOTP_ALGORITHM, digits, counter });
}

export function totpStep(nowMs: number, period = TOTP_PERIOD_SECONDS): number {
  return TOTP.counter({ period, timestamp: nowMs });
}

export function totpAt(secret: Uint8Array, nowMs: number): string {
  return TOTP.generate({ secret: secretOf(secret), algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, timestamp: nowMs });
}

export type TotpCheck = { ok: true; step: number } | { ok: false; reason: 'malformed' | 'invalid' | 'replayed' };

/**
 * Checks a code against the steps around now. `lastUsedStep` is the step of the last
 * accepted code for this secret: a code of that step or an earlier one is a replay.
 * (otpauth answers the first step in the window whose code matches, nearest first; a
 * code that matched both a used step and a later one, a one-in-a-million collision, is
 * refused as a replay, and the account simply waits for the next code.)
 */
export function verifyTotp(secret: Uint8Array, code: string, opts: { nowMs: number; lastUsedStep: number | null; window?: number }): TotpCheck {
  if (!/^\d{6}$/.test(code)) return { ok: false, reason: 'malformed' };
  const delta = TOTP.validate({
    token: code,
    secret: secretOf(secret),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: opts.nowMs,
    window: opts.window ?? 1,
  });
  if (delta === null) return { ok: false, reason: 'invalid' };
  const step = totpStep(opts.nowMs) + delta;
  if (opts.lastUsedStep !== null && step <= opts.lastUsedStep) return { ok: false, reason: 'replayed' };
  return { ok: true, step };
}

/** The otpauth:// URI an authenticator app scans (Key Uri Format). */
export function totpUri(opts: { issuer: string; label: string; secret: Uint8Array }): string {
  return new TOTP({
    issuer: opts.issuer,
    label: opts.label,
    secret: secretOf(opts.secret),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}
