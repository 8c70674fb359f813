import { join } from 'node:path';
import {
  WORKSPACE_ROOT,
  databaseConfig,
  encryptionConfig,
  field,
  httpConfig,
  natsConfig,
  operatorConfig,
  type DatabaseConfig,
  type EncryptionConfig,
  type HttpConfig,
  type NatsConfig,
  type OperatorConfig,
} from '@hookline/config';
import { egressConfig, type EgressConfig } from '@hookline/egress';
import { browserAccessConfig, type BrowserAccessConfig } from '@hookline/http';

const accountsConfig = {
  publicUrl: field.url('HOOKLINE_PUBLIC_URL', {
    protocols: ['http:', 'https:'],
    optional: true,
    doc: 'the API base URL login hands to accounts (default: the URL the login request came in on); a tenant may override it',
  }),
  accessTokenTtlMs: field.duration('HOOKLINE_ACCESS_TOKEN_TTL', { default: 15 * 60_000, doc: 'lifetime of access tokens from login and token exchange' }),
  signingKeyRotationMs: field.duration('HOOKLINE_SIGNING_KEY_ROTATION', { default: 30 * 86_400_000, doc: 'how long one access-token signing key is used before a new one is made' }),
  loginMaxFailures: field.int('HOOKLINE_LOGIN_MAX_FAILURES', { default: 5, min: 1, max: 1000, doc: 'failed logins per account within 15 minutes before it is throttled' }),
  loginMaxFailuresPerIp: field.int('HOOKLINE_LOGIN_MAX_FAILURES_PER_IP', { default: 30, min: 1, max: 100_000, doc: 'failed logins per client address within 15 minutes before it is throttled' }),
  loginBlockMs: field.duration('HOOKLINE_LOGIN_BLOCK', { default: 60_000, doc: 'first throttling period; doubles with each further failure, up to 15 minutes' }),
  outboxPollMs: field.duration('HOOKLINE_OUTBOX_POLL', { default: 500, doc: 'how often the change outbox is checked for rows another instance wrote' }),
  receiverRestoreWindowMs: field.duration('HOOKLINE_RECEIVER_RESTORE_WINDOW', {
    default: 30 * 86_400_000,
    doc: "how long a deleted receiver can be restored with its secret; then the secret is destroyed in the signer",
  }),
};

/** The OAuth 2.0 / OpenID Connect provider of app installations (mounted at /oidc). */
const oidcConfig = {
  oidcIssuer: field.url('HOOKLINE_OIDC_ISSUER', {
    protocols: ['http:', 'https:'],
    optional: true,
    doc: 'the provider\'s issuer, the public URL of /oidc (default: HOOKLINE_PUBLIC_URL + /oidc, else this service\'s own address); hookup messages name its endpoints',
  }),
  oidcSignInUrl: field.url('HOOKLINE_OIDC_SIGNIN_URL', {
    protocols: ['http:', 'https:'],
    optional: true,
    doc: 'the host application\'s page the provider sends a person to at authorize_url, to sign in and be vouched for (POST /v1/sign-ins); without it the authorization-code flow answers that no host sign-in is configured',
  }),
  oidcAudience: field.string('HOOKLINE_OIDC_AUDIENCE', { default: 'urn:hookline:host-api', doc: 'the aud of installations\' access tokens: the host application\'s API' }),
  oidcAccessTokenTtlMs: field.duration('HOOKLINE_OIDC_ACCESS_TOKEN_TTL', { default: 10 * 60_000, doc: 'lifetime of installations\' access tokens' }),
  oidcKeyRotationMs: field.duration('HOOKLINE_OIDC_KEY_ROTATION', { default: 30 * 86_400_000, doc: 'how long one provider signing key (RS256) signs before a new one is made; the old one stays published while its tokens live' }),
};

/** The admin console's built files, served under /console/ (services/console builds them). */
const consoleConfig = {
  consoleDir: field.string('HOOKLINE_CONSOLE_DIR', {
    default: join(WORKSPACE_ROOT, 'dist', 'services', 'console'),
    doc: 'the folder of the built admin console served under /console/ (default: dist/services/console of the installation)',
  }),
};

/** The admin API over gRPC (libs/contracts/src/proto/hookline/admin/v1), next to REST. */
const grpcConfig = {
  grpcPort: field.port('HOOKLINE_GRPC_PORT', {
    optional: true,
    doc: "the gRPC admin API's port on HOOKLINE_LISTEN_HOST (0 picks a free one); unset: no gRPC (npm start sets the HTTP port + 7)",
  }),
};

export const registryConfigSpec = { ...natsConfig, ...databaseConfig, ...httpConfig, ...operatorConfig, ...encryptionConfig, ...egressConfig, ...accountsConfig, ...oidcConfig, ...browserAccessConfig, ...grpcConfig, ...consoleConfig };

export type RegistryConfig = NatsConfig &
  DatabaseConfig &
  HttpConfig &
  OperatorConfig &
  EncryptionConfig &
  EgressConfig &
  BrowserAccessConfig & {
    publicUrl?: string;
    accessTokenTtlMs: number;
    signingKeyRotationMs: number;
    loginMaxFailures: number;
    loginMaxFailuresPerIp: number;
    loginBlockMs: number;
    outboxPollMs: number;
    receiverRestoreWindowMs: number;
    oidcIssuer?: string;
    oidcSignInUrl?: string;
    oidcAudience: string;
    oidcAccessTokenTtlMs: number;
    oidcKeyRotationMs: number;
    consoleDir: string;
    grpcPort?: number;
  };
