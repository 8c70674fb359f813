// The API's answers under the names the screens use, taken from the types generated from
// the OpenAPI document (schema.d.ts, `npm run console:types`): a schema by its name, or an
// answer the document describes inline by its route. Where the document says less than the
// console relies on, a narrow refinement below says why.
import type { Answer } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];
/** One record of a list route's page. */
type Item<P extends '/v1/deliveries' | '/v1/audit/events' | '/v1/audit/changes'> = Answer<'GET', P>['data'][number];

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export type Grant = Schemas['Grant'];
export type Me = Schemas['WhoAmI'];
export type LoginAnswer = Schemas['LoginResult'];
export type Tenant = Schemas['TenantView'];
export type Unit = Schemas['UnitView'];
export type User = Schemas['UserView'];
export type Account = Schemas['AccountView'];
export type Credentials = Schemas['IssuedCredentials'];
export type Topic = Schemas['TopicView'];
export type ReceiverAuth = Schemas['ReceiverAuth'];
export type Receiver = Schemas['ReceiverView'];
export type RotateSecretAnswer = Schemas['ReceiverWithSecret'];

export const DELIVERY_STATUSES = ['pending', 'scheduled', 'succeeded', 'failed', 'filtered', 'cancelled', 'purged'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The document types a delivery's `status` as `string | null` (the audit log's row type), though
 * the column is NOT NULL and only ever one of DELIVERY_STATUSES (the list's `status` filter is
 * that enum): the chart and the filter key on it.
 */
export type Delivery = Omit<Item<'/v1/deliveries'>, 'status'> & { status: DeliveryStatus };
export type DeliveryDetail = Omit<Answer<'GET', '/v1/deliveries/{id}'>, 'status'> & { status: DeliveryStatus };
export type Attempt = DeliveryDetail['attemptLog'][number];

export type BulkResend = Answer<'GET', '/v1/deliveries/resends/{id}'>;
/**
 * POST /v1/deliveries/resend answers a dry run (200) or a job (202); the document gives both
 * statuses the union of the two (one handler return type), so the screen tells them apart.
 */
export type BulkResendDryRun = Extract<Answer<'POST', '/v1/deliveries/resend'>, { dryRun: boolean }>;
export function isDryRun(a: Answer<'POST', '/v1/deliveries/resend'>): a is BulkResendDryRun {
  return 'dryRun' in a;
}

export type PushSettings = Schemas['PushSettingsView'];
export type FlagSource = Schemas['PushFlagSource'];
/** A row of the list (with the effective flag) or the detail (with the explicit flags): one screen shows both. */
export type PushType = Schemas['PushTypeListItem'] & Partial<Pick<Schemas['PushTypeDetail'], 'flags' | 'bodyExample'>>;
export type EffectiveFlag = Schemas['EffectiveFlagView'];

export type Integration = Schemas['IntegrationView'];
export type PayloadPreview = Schemas['PayloadPreview'];
export type Template = Schemas['TemplateView'];
export type Installation = Schemas['InstallationView'];

export type ListenerService = Schemas['ListenerServiceView'];
export type ListenerStructure = Schemas['ListenerStructure'];
export type ListenerTable = Schemas['TableSpec'];
export type ListenerColumn = Schemas['ColumnSpec'];
export type Listener = Schemas['ListenerView'];
export type GenerateTablesAnswer = Answer<'POST', '/v1/listeners/generate-tables'>;
export type ListenerLogEntry = Schemas['LogView'];
export type ListenerRecords = Answer<'GET', '/v1/listener-records/{listenerId}'>;

export type AuditEvent = Item<'/v1/audit/events'>;
export type Change = Item<'/v1/audit/changes'>;
