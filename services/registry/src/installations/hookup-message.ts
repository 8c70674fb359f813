// The notification of an installation, as the seed's JSON schema (installation-hookup.txt)
// has it, and as an e-mail with the same details; and the delivery fact that sends it.
// The client secret is never here: confidential clients carry SECRET_PLACEHOLDER, which
// the signer replaces at attempt time.
import {
  SECRET_PLACEHOLDER,
  stableUuid,
  type DeliveryCreated,
  type HookupEvent,
  type HookupMessage,
  type InstallationView,
} from '@hookline/contracts';
import type { EmailPayload } from '@hookline/delivery';

/** Where the provider answers (all under its issuer). */
export interface ProviderUrls {
  issuer: string;
  tokenUrl: string;
  authorizeUrl: string;
  discoveryUrl: string;
}

export function hookupMessage(i: InstallationView, urls: ProviderUrls, change: { added?: number; removed?: number } = {}): HookupMessage {
  return {
    provet_id: i.provetId,
    client_id: i.clientId,
    client_secret: i.oauth.clientType === 'confidential' ? SECRET_PLACEHOLDER : null,
    algorithm: i.oauth.algorithm,
    authorization_grant_type: i.oauth.grantType,
    client_type: i.oauth.clientType,
    redirect_uris: i.oauth.redirectUris.join(' '),
    token_url: urls.tokenUrl,
    authorize_url: urls.authorizeUrl,
    openid_autodiscovery_url: i.oauth.scopes.includes('openid') ? urls.discoveryUrl : null,
    departments: i.departments.map((d) => d.id),
    ...(change.added !== undefined ? { added_department: change.added } : {}),
    ...(change.removed !== undefined ? { removed_department: change.removed } : {}),
  };
}

const SUBJECTS: Record<HookupEvent, (name: string) => string> = {
  installed: (n) => `New installation of ${n}`,
  'department-added': (n) => `${n} was enabled for a department`,
  'department-removed': (n) => `${n} was disabled for a department`,
  'secret-rotated': (n) => `New client secret for ${n}`,
};

export function hookupEmail(m: HookupMessage, i: InstallationView, event: HookupEvent): EmailPayload {
  return {
    subject: `${SUBJECTS[event](i.templateName)} (tenant ${i.provetId})`,
    intro:
      `Tenant ${i.tenant} (provet_id ${i.provetId}) uses ${i.templateName}. These are its OAuth client details` +
      `${m.client_secret === null ? ' (a public client: no secret)' : ''}; keep the client secret safe.`,
    fields: { ...m },
  };
}

/** The "created" fact of one notification: its delivery id is derived from the installation and the notification's number. */
export function notificationFact(
  i: InstallationView,
  urls: ProviderUrls,
  n: { number: number; event: HookupEvent; at: string; by: string; added?: number; removed?: number; unit?: string },
): DeliveryCreated {
  const message = hookupMessage(i, urls, { added: n.added, removed: n.removed });
  const email = i.channel.kind === 'email';
  return {
    type: 'created',
    deliveryId: stableUuid('hookup', i.id, String(n.number)),
    tenantId: i.tenant,
    kind: email ? 'hookup-email' : 'hookup',
    at: n.at,
    target: i.id,
    targetName: i.templateName,
    url: i.channel.kind === 'email' ? `mailto:${i.channel.address}` : i.channel.url,
    body: JSON.stringify(email ? hookupEmail(message, i, n.event) : message),
    ...(n.unit ? { unit: n.unit } : {}),
    context: { event: n.event, installation: i.id, template: i.templateId, by: n.by, ...(n.unit ? { unit: n.unit } : {}) },
  };
}
