// Inbound webhook listeners (seed: webhook-listeners.txt) as the registry publishes them
// in change events (entities "listener-service" and "listener"), the table structure a
// listener writes into, the ingest messages on HOOKLINE_INGEST, and the host events each
// applied change becomes. Secrets never travel here: a listener's token is known only by
// its SHA-256 digest, and a signature secret lives in the signer.
import { hash } from 'node:crypto';
import { stableUuid } from './ids';

/** A group of listeners, one per integration (the seed's serviceUuid). */
export interface ListenerServiceView {
  id: string;
  tenant: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Where a listener reads its token from. */
export type TokenLocation =
  | { in: 'header'; name: string }
  | { in: 'query'; name: string }
  /** The Authorization header, after a prefix such as "Bearer " (may be empty). */
  | { in: 'authorization'; prefix: string };

export type ListenerAuth = { method: 'none' } | { method: 'token'; location: TokenLocation; /** Whether a token has been generated. */ tokenSet: boolean };

export const SIGNATURE_PRESETS = ['github', 'stripe', 'standard-webhooks', 'hmac'] as const;
export type SignaturePreset = (typeof SIGNATURE_PRESETS)[number];

/** Non-secret parameters of a signature check; the secret is in the signer under listenerCredentialId(). */
export interface ListenerSignature {
  preset: SignaturePreset;
  /** hmac: the header carrying the signature. */
  header?: string;
  /** hmac: the HMAC hash. */
  algorithm?: 'sha1' | 'sha256' | 'sha512';
  /** hmac: how the digest is written. */
  encoding?: 'hex' | 'base64';
  /** hmac: text before the digest, e.g. "sha256=". */
  prefix?: string;
  /** stripe, standard-webhooks: how old a signed timestamp may be. */
  toleranceSeconds?: number;
}

/** Deduplication beyond Idempotency-Key: by a header (e.g. X-GitHub-Delivery) or a body field. */
export interface ListenerDedup {
  header?: string;
  /** A JSON path into the body (dot-separated, or a JSON pointer starting with "/"). */
  bodyField?: string;
}

export interface ListenerScript {
  /** JavaScript; see README "Scripts" for what it receives and may return. */
  source: string;
  timeoutMs: number;
  memoryMb: number;
}

export const COLUMN_TYPES = ['text', 'numeric', 'boolean', 'timestamptz', 'jsonb'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ColumnSpec {
  /** The SQL column name (normalised from the JSON key path, at most 63 bytes). */
  name: string;
  /** Keys from the table's JSON object to the value (nested objects are flattened). */
  source: string[];
  type: ColumnType;
}

export interface TableSpec {
  /** The SQL table name within the tenant's schema. */
  name: string;
  /** The parent table's name; null for the root table. */
  parent: string | null;
  /** Child tables: keys from an element of the parent table to the array whose elements are this table's rows. */
  path: string[];
  columns: ColumnSpec[];
  /** Child tables: columns holding the root row's primary key (in primaryKey order); a foreign key with its parent's. */
  keyColumns?: string[];
  /** Child tables: the element's position in each array from the root down to this one (1 per level). */
  positionColumns?: string[];
}

export interface ListenerStructure {
  /** The base name the tables were generated from. */
  baseName: string;
  /** Keys from the request body to the record (an object) or the records (an array); [] = the body itself. */
  rootPath: string[];
  /** Root table column names forming the primary key. */
  primaryKey: string[];
  /** The root table first, then child tables, each after its parent. */
  tables: TableSpec[];
}

/** The root table's column every upsert and patch sets (the seed's lastModified); retention reads it. */
export const LAST_MODIFIED_COLUMN = 'last_modified';

export interface ListenerView {
  id: string;
  tenant: string;
  serviceId: string;
  /** A topic word (letters, digits, "_" and "-"): host events are Listener.<name>.Upserted etc. */
  name: string;
  enabled: boolean;
  /** Root rows whose last_modified is older than this are deleted ("30d", "12h", "90m", "45s"). */
  retention: string;
  retentionSeconds: number;
  auth: ListenerAuth;
  signature: ListenerSignature | null;
  dedup: ListenerDedup | null;
  /** Without an Idempotency-Key or dedup value, the same body within this many seconds counts as a retry; 0 turns it off. */
  bodyDedupSeconds: number;
  script: ListenerScript | null;
  /** How many webhook log entries are kept (the newest). */
  keepLogs: number;
  structure: ListenerStructure | null;
  /** The ingest path, /hooks/<serviceId>/<id>. */
  path: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * What the listener's change events carry besides the view: SHA-256 digests (hex) of the
 * tokens that are valid, so webhook-listener checks a token without asking anyone. A
 * digest of a 256-bit random token cannot be turned back into the token.
 */
export interface ListenerVerifier {
  tokenDigests: { digest: string; validUntil: string | null }[];
}

export type ListenerChangeState = ListenerView & { verifier?: ListenerVerifier };

export const LISTENER_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const LISTENER_CHANGE_KINDS = ['Upserted', 'Patched', 'Deleted'] as const;
export type ListenerChangeKind = (typeof LISTENER_CHANGE_KINDS)[number];

/** The host event topic of an applied change: Listener.<name>.Upserted|Patched|Deleted. */
export function listenerTopic(listenerName: string, kind: ListenerChangeKind): string {
  return `Listener.${listenerName}.${kind}`;
}

export function listenerPath(serviceId: string, listenerId: string): string {
  return `/hooks/${serviceId}/${listenerId}`;
}

/** The signer keeps a listener's signature secret under this id. */
export function listenerCredentialId(listenerId: string): string {
  return `listener:${listenerId}`;
}

export function tokenDigest(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Each tenant's listener tables live in a schema of its own. */
export function tenantSchema(tenantId: string): string {
  const name = `tenant_${tenantId}`;
  if (Buffer.byteLength(name) <= 63) return name;
  return `tenant_${tenantId.slice(0, 46)}_${hash('sha256', tenantId, 'hex').slice(0, 8)}`;
}

// ---- ingest ------------------------------------------------------------------------

export type IngestOp = 'upsert' | 'patch' | 'delete';

/** A primary key value as carried in messages. */
export type KeyValue = string | number | boolean;

/** One request to a listener, as its log keeps it. */
export interface ListenerRequestLog {
  requestId: string;
  method: string;
  /** The path and query, with a token given in the query replaced. */
  path: string;
  status: number;
  state: 'success' | 'error';
  error?: string;
  durationMs: number;
  /** Body bytes as received (before decompression). */
  size: number;
  /** The body, for errors only, capped. */
  body?: string;
  records: number;
  at: string;
}

/**
 * One accepted change to one record, on hookline.ingest.<tenant>.<listener>.<record>:
 * a request with several records becomes several messages, one per record, so that
 * the stream holds each record's accepted changes in order under a subject of its own.
 */
export interface ListenerIngestMessage {
  tenantId: string;
  listenerId: string;
  requestId: string;
  /** This record's index in the request, and how many the request had. */
  index: number;
  count: number;
  op: IngestOp;
  /** Root primary key column -> value. */
  key: Record<string, KeyValue>;
  /** upsert: the whole record; patch: the fields given; delete: absent. */
  record?: Record<string, unknown>;
  acceptedAt: string;
  /** The request's log entry, on the first record's message only. */
  log?: ListenerRequestLog;
  /**
   * The structure the record was checked against (structureFingerprint): the apply, seeing
   * another one, knows the tables changed in between (absent from messages of versions
   * before it: treated as such a change).
   */
  structure?: string;
}

const fingerprints = new WeakMap<ListenerStructure, string>();

/** A short digest of a structure (its JSON), computed once per structure object a view holds. */
export function structureFingerprint(s: ListenerStructure): string {
  let f = fingerprints.get(s);
  if (f === undefined) {
    f = hash('sha256', JSON.stringify(s), 'base64url').slice(0, 16);
    fingerprints.set(s, f);
  }
  return f;
}

/** The record's identity in subjects and version rows: its key values as JSON, in primary key order. */
export function recordKeyOf(primaryKey: readonly string[], key: Record<string, KeyValue>): string {
  return JSON.stringify(primaryKey.map((c) => key[c]));
}

export const listenerSubjects = {
  ingest: (tenantId: string, listenerId: string, recordKey: string) =>
    `hookline.ingest.${tenantId}.${listenerId}.${hash('sha256', recordKey, 'hex').slice(0, 32)}`,
} as const;

/** A request's id: derived from its deduplication key, so a retried request gets the same one. */
export function ingestRequestId(listenerId: string, dedupKey: string): string {
  return stableUuid('listener-request', listenerId, dedupKey);
}

export function ingestMsgId(requestId: string, index: number): string {
  return `${requestId}:${index}`;
}

/** The data of the host event an applied change becomes. */
export interface ListenerChangeEventData {
  listener: { id: string; name: string; serviceId: string };
  table: string;
  op: IngestOp;
  key: Record<string, KeyValue>;
  record: Record<string, unknown> | null;
  requestId: string;
  acceptedAt: string;
}

/** The host event id of an applied change: one per accepted message, however often it is applied. */
export function listenerChangeEventId(tenantId: string, ingestSeq: number, requestId: string, index: number): string {
  return stableUuid('listener-change', tenantId, requestId, String(index), String(ingestSeq));
}
