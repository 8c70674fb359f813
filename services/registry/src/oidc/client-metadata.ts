// An installation as oidc-provider's client metadata (RFC 7591 names): what the
// installations feature stores in the provider's Client model when it installs. Its
// scopes are not here (client metadata may only name scopes the provider itself knows):
// the provider reads them from the installation when it grants (oidc-provider.service.ts).
import type { OAuthClientSettings } from '@hookline/contracts';

export function clientMetadata(clientId: string, name: string, o: OAuthClientSettings, secret: string | undefined): Record<string, unknown> {
  const code = o.grantType === 'authorization_code';
  return {
    client_id: clientId,
    ...(o.clientType === 'confidential' && secret ? { client_secret: secret } : {}),
    client_name: name,
    grant_types: code ? ['authorization_code', 'refresh_token'] : ['client_credentials'],
    response_types: code ? ['code'] : [],
    redirect_uris: code ? [...o.redirectUris] : [],
    token_endpoint_auth_method: o.clientType === 'public' ? 'none' : 'client_secret_basic',
    id_token_signed_response_alg: o.algorithm ?? 'RS256',
    application_type: 'web',
  };
}
