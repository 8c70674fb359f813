import {
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

const signingConfig = {
  credentialCacheMs: field.duration('HOOKLINE_SIGNER_CREDENTIAL_CACHE', {
    default: 30_000,
    doc: 'how long decrypted credentials are kept in memory between database reads (rotations and revocations also clear it at once)',
  }),
  rotationOverlapMs: field.duration('HOOKLINE_SIGNER_ROTATION_OVERLAP', { default: 86_400_000, doc: 'default time a rotated secret keeps signing' }),
  oauth2DefaultTokenTtlMs: field.duration('HOOKLINE_SIGNER_OAUTH2_DEFAULT_TTL', {
    default: 300_000,
    doc: 'how long an OAuth2 access token is cached when the token endpoint gives no expires_in',
  }),
  oauth2RefreshMarginMs: field.duration('HOOKLINE_SIGNER_OAUTH2_REFRESH_MARGIN', { default: 60_000, doc: 'an access token is replaced this long before it expires' }),
};

// HOOKLINE_ENCRYPTION_KEY is required: without it the signer refuses to start.
export const signerConfigSpec = { ...natsConfig, ...databaseConfig, ...httpConfig, ...operatorConfig, ...encryptionConfig, ...egressConfig, ...signingConfig };
export type SignerConfig = NatsConfig &
  DatabaseConfig &
  HttpConfig &
  OperatorConfig &
  EncryptionConfig &
  EgressConfig & {
    credentialCacheMs: number;
    rotationOverlapMs: number;
    oauth2DefaultTokenTtlMs: number;
    oauth2RefreshMarginMs: number;
  };
