// The pure parts of a listener's settings: retention durations, tokens (generated here,
// shown once, kept as SHA-256 digests with an optional overlap for earlier ones), the
// public view, and the state its change events carry.
import { randomBytes } from 'node:crypto';
import {
  listenerPath,
  tokenDigest,
  type ListenerChangeState,
  type ListenerServiceView,
  type ListenerView,
  type TokenLocation,
} from '@hookline/contracts';
import type { Listener } from './entities/listener.entity';
import type { ListenerService } from './entities/listener-service.entity';

export const RETENTION_RE = /^([1-9]\d{0,7})(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
export const MAX_RETENTION_SECONDS = 3650 * 86400;
export const DEFAULT_RETENTION_SECONDS = 30 * 86400;
export const DEFAULT_KEEP_LOGS = 100;
export const DEFAULT_BODY_DEDUP_SECONDS = 60;
export const DEFAULT_SCRIPT_TIMEOUT_MS = 50;
export const DEFAULT_SCRIPT_MEMORY_MB = 16;

/** "30d" -> 2592000; undefined when not a duration within 1 s .. 3650 d. */
export function parseRetention(s: string): number | undefined {
  const m = RETENTION_RE.exec(s);
  if (!m) return undefined;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  return seconds <= MAX_RETENTION_SECONDS ? seconds : undefined;
}

/** 2592000 -> "30d"; the largest unit that divides it. */
export function formatRetention(seconds: number): string {
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

/** A new listener token: 32 random bytes, shown once. */
export function newToken(): string {
  return `hlt_${randomBytes(32).toString('base64url')}`;
}

export function normalizeLocation(l: { in: 'header' | 'query' | 'authorization'; name?: string; prefix?: string }): TokenLocation {
  if (l.in === 'authorization') return { in: 'authorization', prefix: l.prefix ?? 'Bearer ' };
  return { in: l.in, name: l.in === 'header' ? (l.name as string).toLowerCase() : (l.name as string) };
}

export function serviceView(s: ListenerService): ListenerServiceView {
  return { id: s.id, tenant: s.tenantId, name: s.name, description: s.description, createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString() };
}

export function listenerView(l: Listener): ListenerView {
  return {
    id: l.id,
    tenant: l.tenantId,
    serviceId: l.serviceId,
    name: l.name,
    enabled: l.enabled,
    retention: formatRetention(l.retentionSeconds),
    retentionSeconds: l.retentionSeconds,
    auth: l.auth.method === 'none' ? { method: 'none' } : { method: 'token', location: l.auth.location, tokenSet: l.tokenDigest !== null },
    signature: l.signature,
    dedup: l.dedup,
    bodyDedupSeconds: l.bodyDedupSeconds,
    script: l.script,
    keepLogs: l.keepLogs,
    structure: l.structure,
    path: listenerPath(l.serviceId, l.id),
    createdAt: l.createdAt.toISOString(),
    updatedAt: l.updatedAt.toISOString(),
  };
}

/** At most this many earlier tokens stay open at once; a further regeneration closes the oldest. */
export const MAX_PREVIOUS_TOKENS = 5;

/** The view plus the digests of the tokens that open it now, for webhook-listener. */
export function changeState(l: Listener): ListenerChangeState {
  const digests: { digest: string; validUntil: string | null }[] = [];
  if (l.auth.method === 'token' && l.tokenDigest) {
    digests.push({ digest: l.tokenDigest, validUntil: null });
    for (const t of l.previousTokens ?? []) digests.push({ digest: t.digest, validUntil: t.validUntil });
  }
  return { ...listenerView(l), verifier: { tokenDigests: digests } };
}

/**
 * The fields a new token sets: the current digest, and the earlier ones while they overlap
 * (newest first, at most MAX_PREVIOUS_TOKENS). As with a receiver's signing secrets, each
 * earlier token keeps its own end but none outlives the newest overlap, so a regeneration
 * without overlap closes them all.
 */
export function tokenFields(l: Pick<Listener, 'tokenDigest'> & Partial<Pick<Listener, 'previousTokens'>>, token: string, now: Date, overlapSeconds: number): Pick<Listener, 'tokenDigest' | 'previousTokens'> {
  const until = new Date(now.getTime() + overlapSeconds * 1000).toISOString();
  const previous =
    overlapSeconds > 0 && l.tokenDigest !== null
      ? [
          { digest: l.tokenDigest, validUntil: until },
          ...(l.previousTokens ?? []).filter((t) => Date.parse(t.validUntil) > now.getTime()).map((t) => ({ digest: t.digest, validUntil: t.validUntil < until ? t.validUntil : until })),
        ].slice(0, MAX_PREVIOUS_TOKENS)
      : [];
  return { tokenDigest: tokenDigest(token), previousTokens: previous };
}
