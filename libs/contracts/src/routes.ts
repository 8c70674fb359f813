// The public HTTP API is one base URL; these prefixes say which service answers which
// path. The local gateway and the Kubernetes ingress are both generated from this.

export const SERVICE_NAMES = ['registry', 'dispatcher', 'signer', 'retry-scheduler', 'webhook-listener', 'audit-log'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface PublicRoute {
  prefix: string;
  service: ServiceName;
}

/** Longest prefix wins. */
export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  { prefix: '/v1/audit/', service: 'audit-log' },
  { prefix: '/v1/deliveries', service: 'audit-log' },
  // Custom integrations: background requests' jobs (state, pushed live) and their log are views of the delivery log.
  { prefix: '/v1/integration-jobs/', service: 'audit-log' },
  { prefix: '/v1/integration-log', service: 'audit-log' },
  // The <hookline-integrations> web component (one ES module), served by the registry.
  { prefix: '/integration-buttons/', service: 'registry' },
  { prefix: '/hooks/', service: 'webhook-listener' },
  { prefix: '/v1/listener-records/', service: 'webhook-listener' },
  { prefix: '/v1/listener-logs', service: 'webhook-listener' },
  { prefix: '/v1/', service: 'registry' },
  { prefix: '/oauth/', service: 'registry' },
  { prefix: '/.well-known/', service: 'registry' },
  /** The OAuth 2.0 / OpenID Connect provider of app installations (its issuer is <base>/oidc). */
  { prefix: '/oidc/', service: 'registry' },
  /** The admin console (services/console, built to static files), served by the registry: /console redirects to /console/. */
  { prefix: '/console', service: 'registry' },
  /** The OpenAPI 3.1 document of this whole API (every service's routes) and its browsable reference page. */
  { prefix: '/openapi.json', service: 'registry' },
  { prefix: '/api-reference', service: 'registry' },
];

export function routeFor(path: string): ServiceName | undefined {
  let best: PublicRoute | undefined;
  for (const r of PUBLIC_ROUTES) {
    if (path.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
  }
  return best?.service;
}
