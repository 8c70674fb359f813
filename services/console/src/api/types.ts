// The API's answers, typed by hand from docs/api.md and the README (one interface per
// resource). When the OpenAPI document (GET /openapi.json) is on main, generate these with
// openapi-typescript instead; the names below are what the screens use.
import type { Grant } from '../permissions';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Me {
  kind: 'operator' | 'account' | 'user';
  tenant?: string;
  account?: { id: string; name: string };
  user?: { id: string; name: string };
  grants?: Grant[];
  expiresAt?: string;
}

export interface LoginAnswer {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  expiresAt: string;
  baseUrl: string;
  account: { id: string; tenant: string; name: string };
}

export interface Tenant {
  id: string;
  name: string;
  baseUrl: string | null;
  provetId?: number;
  createdAt: string;
  updatedAt: string;
}

export interface Unit {
  id: string;
  tenant: string;
  name: string;
  parentId: string | null;
  path: string[];
  createdAt: string;
  updatedAt: string;
}

export interface User {
  id: string;
  tenant: string;
  displayName: string;
  units: '*' | string[];
  createdAt: string;
  updatedAt: string;
}

export interface Account {
  id: string;
  tenant: string;
  name: string;
  description: string | null;
  enabled: boolean;
  grants: Grant[];
  credentialsIssuedAt: string;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Credentials {
  token: string;
  totp: { secret: string; otpauthUri: string; algorithm: string; digits: number; period: number };
}

export interface Topic {
  tenant: string;
  name: string;
  description: string | null;
  example: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

export type ReceiverAuth =
  | { protocol: 'none' }
  | { protocol: 'websub'; algorithm: 'sha1' | 'sha256' | 'sha384' | 'sha512' }
  | { protocol: 'standard-webhooks' }
  | { protocol: 'oauth2'; tokenUrl: string; clientId: string; scope?: string | null; audience?: string | null };

export interface Receiver {
  id: string;
  tenant: string;
  name: string;
  url: string;
  topics: string[];
  accountId: string;
  auth: ReceiverAuth;
  enabled: boolean;
  deletedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RotateSecretAnswer {
  receiver: Receiver;
  secret?: string;
  previousSecretValidUntil?: string;
}

export const DELIVERY_STATUSES = ['pending', 'scheduled', 'succeeded', 'failed', 'filtered', 'cancelled', 'purged'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Delivery {
  id: string;
  kind: string;
  target: { id: string; name: string };
  eventId: string | null;
  topic: string | null;
  status: DeliveryStatus;
  statusReason?: string;
  lastStatusCode: number | null;
  lastErrorClass?: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
}

export interface Attempt {
  attempt: number;
  at: string;
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  errorClass?: string;
  error?: string;
  manual: boolean;
  method: string | null;
  url: string | null;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  responseBody: string | null;
  responseTruncated: boolean;
}

export interface DeliveryDetail extends Delivery {
  url: string | null;
  unit: string | null;
  request: { method: string | null; url: string | null; headers: Record<string, string>; body: string | null; payload: string | null } | null;
  attemptLog: Attempt[];
}

export interface BulkResend {
  id: string;
  status: 'running' | 'done';
  filter: Record<string, string>;
  total: number;
  sent: number;
  skipped: number;
  forbidden?: number;
  createdAt: string;
  finishedAt: string | null;
  ratePerSecond: number;
  estimatedSecondsLeft?: number;
}

export interface BulkResendDryRun {
  dryRun: true;
  count: number;
  forbidden: number;
  filter: Record<string, string>;
}

export interface PushSettings {
  tenant: string;
  notification_server_url: string | null;
  notification_jwt_set: boolean;
  notification_days_before: number;
  createdAt: string | null;
  updatedAt: string | null;
}

export type FlagSource = { kind: 'unit'; unit: string; inherited: boolean } | { kind: 'global' } | { kind: 'default' };

export interface PushType {
  tenant: string;
  type: string;
  topic: string;
  description: string | null;
  example: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
  /** In lists: the effective flag (globally, or for the unit asked about). */
  enabled?: boolean;
  source?: FlagSource;
  /** In GET /v1/push/types/{type}: the explicit flags. */
  flags?: { global: boolean | null; units: { unit: string; enabled: boolean }[] };
  bodyExample?: Record<string, unknown>;
}

export interface EffectiveFlag {
  type: string;
  unit: string | null;
  enabled: boolean;
  source: FlagSource;
}

export interface Integration {
  id: string;
  tenant: string;
  name: string;
  page: string;
  action: 'background' | 'new_window' | 'side_panel';
  method: 'GET' | 'POST';
  url: string;
  parameterName: string;
  enabled: boolean;
  verification: boolean;
  verificationConfigured: boolean;
  headerNames: string[];
  createdAt: string;
  updatedAt: string;
}

export interface PayloadPreview {
  method: string;
  url: string;
  sentAs: string;
  fields: { key: string; value: string }[];
  exampleUrl?: string;
  headers: string[];
}

export interface Template {
  id: string;
  ownerTenant: string | null;
  name: string;
  description: string | null;
  channel: { kind: 'hookup-url'; url: string } | { kind: 'email'; address: string };
  oauth: { grantType: string; clientType: string; redirectUris: string[]; algorithm: string | null; scopes: string[] };
  version: number;
  retiredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Installation {
  id: string;
  tenant: string;
  provetId: number;
  templateId: string;
  templateVersion: number;
  templateName: string;
  templateOwner: string;
  clientId: string;
  oauth?: { grantType: string; clientType: string; redirectUris: string[]; algorithm: string | null; scopes: string[] };
  departments: { unit: string; id: number }[];
  status: 'active' | 'uninstalled';
  secretVersion: number;
  uninstalledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ListenerService {
  id: string;
  tenant: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ListenerColumn {
  name: string;
  type: string;
  source?: string[];
  [k: string]: unknown;
}

export interface ListenerTable {
  name: string;
  columns: ListenerColumn[];
  [k: string]: unknown;
}

export interface ListenerStructure {
  baseName: string;
  rootPath: string[];
  primaryKey: string[];
  tables: ListenerTable[];
}

export interface Listener {
  id: string;
  tenant: string;
  serviceId: string;
  name: string;
  enabled: boolean;
  retention: string;
  retentionSeconds: number;
  auth: { method: 'none' } | { method: 'token'; location: Record<string, string>; tokenSet: boolean };
  signature: Record<string, unknown> | null;
  dedup: Record<string, unknown> | null;
  bodyDedupSeconds: number;
  script: { source: string; timeoutMs?: number; memoryMb?: number } | null;
  keepLogs: number;
  structure: ListenerStructure | null;
  path: string;
  createdAt: string;
  updatedAt: string;
}

export interface GenerateTablesAnswer {
  structure: ListenerStructure;
  warnings: string[];
  sql: string[] | string;
}

export interface ListenerLogEntry {
  listenerId: string;
  listener: string;
  seq: number;
  requestId: string | null;
  at: string;
  method: string;
  path: string;
  status: number;
  state: 'success' | 'error';
  error: string | null;
  durationMs: number;
  size: number;
  records: number;
  body: string | null;
}

export interface ListenerRecords {
  listener: { id: string; name: string; tables: string[] };
  data: { row: Record<string, unknown>; children: Record<string, Record<string, unknown>[]> }[];
  nextCursor: string | null;
}

export interface AuditEvent {
  id: string;
  tenant: string;
  topic: string;
  object: { type: string; id: string; unit?: string };
  data: Record<string, unknown>;
  publishedBy: string;
  idempotencyKey: string;
  receivedAt: string;
  storedAt: string;
}

export interface Change {
  id: string;
  tenant: string;
  entity: string;
  entityId: string;
  action: string;
  actor: Record<string, unknown>;
  by: string;
  at: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  detail?: Record<string, unknown>;
}
