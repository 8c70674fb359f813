// App installations (installation-hookup.txt): the template catalogue, installations and
// the hookup message, as the registry publishes them in change events (entities
// "template" and "installation") and as the hookup notification carries them. Secrets
// never travel here: a template's signing secret and an installation's client secret
// are held by the signer; the provider keeps the client secret sealed.

/**
 * Whose changes the operator's catalogue templates are recorded under. Not a tenant id
 * (TENANT_ID_RE has no ":"), so no tenant can ever own it; the operator reads the
 * catalogue's audit trail with ?tenant=platform:catalogue.
 */
export const CATALOGUE_TENANT = 'platform:catalogue';

export const GRANT_TYPES = ['authorization_code', 'client_credentials'] as const;
export type OAuthGrantType = (typeof GRANT_TYPES)[number];
export const CLIENT_TYPES = ['confidential', 'public'] as const;
export type OAuthClientType = (typeof CLIENT_TYPES)[number];
/** The ID-token signing algorithm; null: the integration does not use OpenID Connect. */
export const SIGNING_ALGORITHMS = ['HS256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** How the integration provider hears of a new installation. */
export type NotificationChannel = { kind: 'hookup-url'; url: string } | { kind: 'email'; address: string };

/** The OAuth client every installation of a template gets. */
export interface OAuthClientSettings {
  grantType: OAuthGrantType;
  clientType: OAuthClientType;
  redirectUris: string[];
  algorithm: SigningAlgorithm | null;
  scopes: string[];
}

export interface TemplateView {
  id: string;
  /** null: the operator's catalogue, offered to every tenant; else the tenant that made it for its own use. */
  ownerTenant: string | null;
  name: string;
  description: string | null;
  channel: NotificationChannel;
  oauth: OAuthClientSettings;
  /** Counts edits: an installation records the version it was made from. */
  version: number;
  /** Retired: no new installations; existing ones keep working. */
  retiredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A unit where an installation is enabled, with the number the hookup message calls it by. */
export interface DepartmentRef {
  unit: string;
  id: number;
}

export interface InstallationView {
  id: string;
  tenant: string;
  /** The tenant's numeric id (provet_id in the hookup message). */
  provetId: number;
  templateId: string;
  templateVersion: number;
  templateName: string;
  /** Who holds the template's signing secret (the template's owner, or CATALOGUE_TENANT). */
  templateOwner: string;
  /** The OAuth client in the provider (client_id). */
  clientId: string;
  /** The template's settings when it was installed: later edits of the template do not change them. */
  oauth: OAuthClientSettings;
  channel: NotificationChannel;
  departments: DepartmentRef[];
  status: 'active' | 'uninstalled';
  /** Bumped by every secret rotation. */
  secretVersion: number;
  uninstalledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The seed's message (installation-hookup.txt), field for field. */
export interface HookupMessage {
  provet_id: number;
  client_id: string;
  client_secret: string | null;
  algorithm: string | null;
  authorization_grant_type: string;
  client_type: string;
  redirect_uris: string;
  token_url: string;
  authorize_url: string;
  openid_autodiscovery_url: string | null;
  departments: number[];
  added_department?: number;
  removed_department?: number;
}

/** What made a notification. */
export type HookupEvent = 'installed' | 'department-added' | 'department-removed' | 'secret-rotated';

/** The signer holds a template's Standard Webhooks secret under this id (owner: the template's owner). */
export function templateCredentialId(templateId: string): string {
  return `template:${templateId}`;
}

/** The signer holds an installation's client secret under this id, to write it into notifications. */
export function clientSecretCredentialId(installationId: string): string {
  return `installation:${installationId}:client-secret`;
}

/** Stored payloads carry this where the signer writes the client secret at attempt time. */
export const SECRET_PLACEHOLDER = '[redacted]';
