// Identifier helpers. Ids derived from an idempotency key are deterministic so that
// a retried request, a redelivered message or a replay always lands on the same id.
import { hash } from 'node:crypto';
import { v7 } from 'uuid';

/**
 * UUIDv7 (RFC 9562): time-ordered, so ids sort by creation time; without a time, ids made
 * in the same millisecond also sort in the order they were made (uuid's counter). uuid
 * draws its random bits from a pool it refills 256 bytes at a time: a `randomBytes(16)`
 * per id cost the registry 6 % of its CPU per accepted event (profiled, 4 December).
 */
export function uuidv7(now?: number): string {
  return now === undefined ? v7() : v7({ msecs: now });
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

/**
 * A deterministic UUID that sorts by a time: the first 48 bits are `ms` (as in a UUIDv7),
 * the rest come from the SHA-256 of the name parts, with the version (8) and variant bits
 * set. So ids derived for one moment land next to each other in a B-tree index, where
 * stableUuid's land anywhere: a table keyed by them grows at its right edge instead of
 * touching (and, after a checkpoint, writing whole to the WAL) a random page per row.
 */
export function timeOrderedStableUuid(ms: number, ...parts: string[]): string {
  const t = Math.max(0, Math.min(Math.floor(ms), 0xffffffffffff)).toString(16).padStart(12, '0');
  const h = hash('sha256', parts.join('\u0000'), 'hex');
  const variant = HEX[(parseInt(h[3], 16) & 0x3) | 0x8];
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-8${h.slice(0, 3)}-${variant}${h.slice(4, 7)}-${h.slice(7, 19)}`;
}

/** The millisecond a UUIDv7 carries in its first 48 bits; undefined for any other id. */
export function uuidv7Time(id: string): number | undefined {
  if (id.length !== 36 || id[14] !== '7' || !UUID_RE.test(id)) return undefined;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
