// Where the provider answers: its issuer (configured, or derived from the public URL)
// and the endpoints a hookup message names. oidc-provider's own route names.
import type { RegistryConfig } from '../config';
import type { ProviderUrls } from '../installations/hookup-message';

/** The path the provider is mounted at in the registry (and routed to by the gateway and the ingress). */
export const OIDC_MOUNT = '/oidc';

export function issuerOf(config: Pick<RegistryConfig, 'oidcIssuer' | 'publicUrl' | 'listenHost' | 'listenPort'>): string {
  if (config.oidcIssuer) return config.oidcIssuer.replace(/\/+$/, '');
  if (config.publicUrl) return `${config.publicUrl.replace(/\/+$/, '')}${OIDC_MOUNT}`;
  return `http://${config.listenHost}:${config.listenPort}${OIDC_MOUNT}`;
}

export function providerUrls(issuer: string): ProviderUrls & { jwksUrl: string; introspectionUrl: string; userinfoUrl: string } {
  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    authorizeUrl: `${issuer}/auth`,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    jwksUrl: `${issuer}/jwks`,
    introspectionUrl: `${issuer}/token/introspection`,
    userinfoUrl: `${issuer}/me`,
  };
}
