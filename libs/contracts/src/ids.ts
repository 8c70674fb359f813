// Identifier helpers. Ids derived from an idempotency key are deterministic so that
// a retried request, a redelivered message or a replay always lands on the same id.
import { hash, randomBytes } from 'node:crypto';

function format(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** UUIDv7: time-ordered, so ids sort roughly by creation time. */
export function uuidv7(now: number = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  return format(b);
}

const HEX = '0123456789abcdef';

/**
 * A deterministic UUID (v8 layout, SHA-256 based) for the given name parts: the first 16
 * bytes of the digest with the version (8) and variant bits set. (One-shot hash and hex
 * text: this runs several times per delivery. ids.spec.ts pins the values.)
 */
export function stableUuid(...parts: string[]): string {
  const h = hash('sha256', parts.join('\u0000'), 'hex');
  const variant = HEX[(parseInt(h[16], 16) & 0x3) | 0x8];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
