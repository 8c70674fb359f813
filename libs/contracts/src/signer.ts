// The signer's request/reply API on core NATS. The signer is the only holder of
// delivery secrets: the registry creates and rotates credentials through it, and the
// dispatcher asks it for each attempt's authentication headers, never seeing a secret.
// The JSON schemas below are the published contract; the signer validates every
// request against them.
import { RPC_ERROR_CODES, type RpcReply } from './rpc';

export const SIGNER_SUBJECTS = {
  /** The auth headers for one attempt. */
  sign: 'hookline.signer.sign',
  /**
   * The auth headers for many attempts in one request/reply: each item is a sign
   * request, checked and answered exactly as on `sign` (its own reply, ok or not).
   */
  signBatch: 'hookline.signer.sign-batch',
  /** Store a new credential (generating the secret unless given). */
  createCredential: 'hookline.signer.credentials.create',
  /** Replace a credential's secret; HMAC schemes keep the old one valid for an overlap. */
  rotateCredential: 'hookline.signer.credentials.rotate',
  /** Destroy a credential and every version of its secret. */
  revokeCredential: 'hookline.signer.credentials.revoke',
  /** The non-secret facts of a credential (scheme, parameters, versions). */
  describeCredential: 'hookline.signer.credentials.describe',
  /** Checks an inbound request's signature (inbound-hmac credentials): the secret never leaves the signer. */
  verify: 'hookline.signer.verify',
} as const;

/** Queue group the signer's instances share, so each request is answered once. */
export const SIGNER_QUEUE = 'signer';

/** inbound-hmac verifies what others sign (webhook listeners); every other scheme signs what the platform sends. */
export const CREDENTIAL_SCHEMES = ['websub', 'standard-webhooks', 'oauth2', 'token-header', 'static-headers', 'body-secret', 'verification-hash', 'inbound-hmac'] as const;
export type CredentialScheme = (typeof CREDENTIAL_SCHEMES)[number];

/** A credential as the registry hands it over. Omitted HMAC secrets are generated. */
export type CredentialSpec =
  | { scheme: 'websub'; algorithm: 'sha1' | 'sha256' | 'sha384' | 'sha512'; secret?: string }
  | { scheme: 'standard-webhooks'; /** whsec_<base64 of 24-64 bytes> */ secret?: string }
  | { scheme: 'oauth2'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string; audience?: string }
  | { scheme: 'token-header'; header: string; prefix: string; token: string }
  | { scheme: 'static-headers'; headers: Record<string, string> }
  /**
   * A secret the signer writes into a JSON body at attempt time (an installation's OAuth
   * client secret in its hookup notification), so stored payloads never carry it.
   */
  | { scheme: 'body-secret'; value: string }
  /**
   * A salt for custom integrations' verification hash: signing adds the payload fields
   * `timestamp` (the attempt's unix seconds) and `verification` (hex MD5 of the timestamp
   * followed by the salt). The salt never leaves the signer.
   */
  | { scheme: 'verification-hash'; salt: string }
  | InboundHmacSpec;

/**
 * A secret that verifies inbound requests (a webhook listener's signature check):
 * github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=…,v1=<hex> over
 * "t.body"), standard-webhooks (webhook-id/-timestamp/-signature, whsec_ secret), or hmac
 * (a header, algorithm, encoding and optional prefix of your choosing) over the raw body.
 */
export interface InboundHmacSpec {
  scheme: 'inbound-hmac';
  preset: 'github' | 'stripe' | 'standard-webhooks' | 'hmac';
  /** Generated when omitted (standard-webhooks: whsec_…; others: 32 random bytes, base64url). */
  secret?: string;
  header?: string;
  algorithm?: 'sha1' | 'sha256' | 'sha512';
  encoding?: 'hex' | 'base64';
  prefix?: string;
  toleranceSeconds?: number;
}

export interface CreateCredentialRequest {
  tenantId: string;
  /** The caller's reference, e.g. the receiver id; unique per tenant. */
  credentialId: string;
  spec: CredentialSpec;
  /** A retried create with the same key returns the first result instead of a conflict. */
  idempotencyKey?: string;
}

export interface CredentialIssued {
  tenantId: string;
  credentialId: string;
  scheme: CredentialScheme;
  version: number;
  createdAt: string;
  /** The HMAC secret (websub, standard-webhooks), to show the user once. */
  secret?: string;
}

export interface RotateCredentialRequest {
  tenantId: string;
  credentialId: string;
  /** New material of the same scheme; omitted for HMAC schemes, a secret is generated. */
  spec?: CredentialSpec;
  /** How long the previous secret keeps signing (HMAC schemes); default 24 h, 0 ends it now. */
  overlapSeconds?: number;
}

export interface CredentialRotated extends CredentialIssued {
  /** Until when the previous version still signs (HMAC schemes with an overlap). */
  previousValidUntil?: string;
}

export interface RevokeCredentialRequest {
  tenantId: string;
  credentialId: string;
}

export interface CredentialRevoked {
  revoked: boolean;
}

export interface DescribeCredentialRequest {
  tenantId: string;
  credentialId: string;
}

export interface CredentialDescription {
  tenantId: string;
  credentialId: string;
  scheme: CredentialScheme;
  /** Non-secret parameters: algorithm, tokenUrl, clientId, scope, audience, header, prefix, header names. */
  params: Record<string, string | string[]>;
  versions: { version: number; createdAt: string; validUntil?: string }[];
}

export interface SignRequest {
  tenantId: string;
  credentialId: string;
  /** The scheme the caller's plan expects; a mismatch is refused rather than signing the wrong way. */
  scheme: CredentialScheme;
  /** The delivery id (webhook-id); the same on every retry. */
  deliveryId: string;
  /** The attempt's unix seconds (webhook-timestamp); each attempt is signed afresh. */
  timestamp: number;
  /** The exact body bytes, base64 (HMAC schemes need them; others ignore them). */
  body?: string;
  /** oauth2: fetch a new token even if one is cached (after the receiver answered 401). */
  forceRefresh?: boolean;
  /** body-secret: the dotted path of the JSON body field the secret is written into. */
  field?: string;
  /**
   * body-secret: then sign the final body with this Standard Webhooks credential (held under
   * `tenantId`: a catalogue template's secret is not the delivery tenant's).
   */
  then?: { scheme: 'standard-webhooks'; credentialId: string; tenantId: string };
}

export interface VerifyRequest {
  tenantId: string;
  credentialId: string;
  /** The request's headers, names in lower case (only those the check reads are needed). */
  headers: Record<string, string>;
  /** The exact body bytes as received (after decompression), base64. */
  body: string;
}

export interface VerifyResult {
  valid: boolean;
  /** Why not, in words safe to show the sender (never a secret or the expected value). */
  reason?: string;
  /** The credential version that matched. */
  version?: number;
}

export interface SignResult {
  /** Headers to add to the request, secret-bearing ones included: never log them. */
  headers: Record<string, string>;
  /**
   * Payload fields to add to a form or query-string request (verification-hash:
   * timestamp and verification), after the fields it already has.
   */
  fields?: Record<string, string>;
  /** The credential versions that signed, newest first. */
  versions: number[];
  /** body-secret: the body to send instead (base64), with the secret written in. Never log or store it. */
  body?: string;
}

/** Many sign requests at once; the dispatcher batches what its attempts ask for in one tick. */
export interface SignBatchRequest {
  requests: SignRequest[];
}

export interface SignBatchResult {
  /** One reply per request, in the same order: each as `sign` would have answered it. */
  replies: RpcReply<SignResult>[];
}

/** The most sign requests one batch may carry. */
export const MAX_SIGN_BATCH = 500;

// ---- JSON schemas (draft-07) -----------------------------------------------------

const id = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' } as const;
const headerName = { type: 'string', pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$" } as const;
const headerValue = { type: 'string', maxLength: 8192, pattern: '^[^\\r\\n\\u0000]*$' } as const;
const secret = { type: 'string', minLength: 16, maxLength: 1024 } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;
const scheme = { enum: CREDENTIAL_SCHEMES } as const;

export const CREDENTIAL_SPEC_SCHEMA = {
  oneOf: [
    {
      type: 'object',
      required: ['scheme', 'algorithm'],
      additionalProperties: false,
      properties: { scheme: { const: 'websub' }, algorithm: { enum: ['sha1', 'sha256', 'sha384', 'sha512'] }, secret },
    },
    {
      type: 'object',
      required: ['scheme'],
      additionalProperties: false,
      properties: { scheme: { const: 'standard-webhooks' }, secret: { type: 'string', pattern: '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$' } },
    },
    {
      type: 'object',
      required: ['scheme', 'tokenUrl', 'clientId', 'clientSecret'],
      additionalProperties: false,
      properties: {
        scheme: { const: 'oauth2' },
        tokenUrl: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 },
        clientId: { type: 'string', minLength: 1, maxLength: 512 },
        clientSecret: { type: 'string', minLength: 1, maxLength: 2048 },
        scope: { type: 'string', maxLength: 1024 },
        audience: { type: 'string', maxLength: 1024 },
      },
    },
    {
      type: 'object',
      required: ['scheme', 'header', 'prefix', 'token'],
      additionalProperties: false,
      properties: { scheme: { const: 'token-header' }, header: headerName, prefix: { type: 'string', maxLength: 32, pattern: '^[^\\r\\n\\u0000]*$' }, token: { ...headerValue, minLength: 1 } },
    },
    {
      type: 'object',
      required: ['scheme', 'headers'],
      additionalProperties: false,
      properties: {
        scheme: { const: 'static-headers' },
        headers: { type: 'object', minProperties: 1, maxProperties: 20, propertyNames: headerName, additionalProperties: headerValue },
      },
    },
    {
      type: 'object',
      required: ['scheme', 'value'],
      additionalProperties: false,
      properties: { scheme: { const: 'body-secret' }, value: secret },
    },
    {
      type: 'object',
      required: ['scheme', 'salt'],
      additionalProperties: false,
      properties: { scheme: { const: 'verification-hash' }, salt: { type: 'string', minLength: 1, maxLength: 1024 } },
    },
    {
      type: 'object',
      required: ['scheme', 'preset'],
      additionalProperties: false,
      properties: {
        scheme: { const: 'inbound-hmac' },
        preset: { enum: ['github', 'stripe', 'standard-webhooks', 'hmac'] },
        secret,
        header: headerName,
        algorithm: { enum: ['sha1', 'sha256', 'sha512'] },
        encoding: { enum: ['hex', 'base64'] },
        prefix: { type: 'string', maxLength: 32, pattern: '^[\\x21-\\x7e]*$' },
        toleranceSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
      },
    },
  ],
} as const;

/** A dotted path of JSON object keys ("client_secret", "fields.client_secret"). */
const fieldPath = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,63}(\\.[A-Za-z_][A-Za-z0-9_-]{0,63}){0,7}$' } as const;

const issued = {
  type: 'object',
  required: ['tenantId', 'credentialId', 'scheme', 'version', 'createdAt'],
  additionalProperties: false,
  properties: { tenantId: id, credentialId: id, scheme, version: { type: 'integer', minimum: 1 }, createdAt: isoTime, secret: { type: 'string' } },
} as const;

function reply(result: object) {
  return {
    oneOf: [
      { type: 'object', required: ['ok', 'result'], additionalProperties: false, properties: { ok: { const: true }, result } },
      {
        type: 'object',
        required: ['ok', 'error'],
        additionalProperties: false,
        properties: {
          ok: { const: false },
          error: {
            type: 'object',
            required: ['code', 'message'],
            additionalProperties: false,
            properties: { code: { enum: RPC_ERROR_CODES }, message: { type: 'string' }, errorClass: { type: 'string' } },
          },
        },
      },
    ],
  };
}

/** Request and reply schema of every signer subject. */
export const SIGNER_SCHEMAS = {
  [SIGNER_SUBJECTS.sign]: {
    request: {
      type: 'object',
      required: ['tenantId', 'credentialId', 'scheme', 'deliveryId', 'timestamp'],
      additionalProperties: false,
      properties: {
        tenantId: id,
        credentialId: id,
        scheme,
        deliveryId: id,
        timestamp: { type: 'integer', minimum: 0, maximum: 253402300799 },
        body: { type: 'string', contentEncoding: 'base64', pattern: '^[A-Za-z0-9+/]*={0,2}$' },
        forceRefresh: { type: 'boolean' },
        field: fieldPath,
        then: {
          type: 'object',
          required: ['scheme', 'credentialId', 'tenantId'],
          additionalProperties: false,
          properties: { scheme: { const: 'standard-webhooks' }, credentialId: id, tenantId: id },
        },
      },
    },
    response: reply({
      type: 'object',
      required: ['headers', 'versions'],
      additionalProperties: false,
      properties: {
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        fields: { type: 'object', additionalProperties: { type: 'string' } },
        versions: { type: 'array', items: { type: 'integer' } },
        body: { type: 'string', contentEncoding: 'base64' },
      },
    }),
  },
  [SIGNER_SUBJECTS.verify]: {
    request: {
      type: 'object',
      required: ['tenantId', 'credentialId', 'headers', 'body'],
      additionalProperties: false,
      properties: {
        tenantId: id,
        credentialId: id,
        headers: { type: 'object', maxProperties: 100, additionalProperties: { type: 'string', maxLength: 8192 } },
        body: { type: 'string', contentEncoding: 'base64', pattern: '^[A-Za-z0-9+/]*={0,2}$' },
      },
    },
    response: reply({
      type: 'object',
      required: ['valid'],
      additionalProperties: false,
      properties: { valid: { type: 'boolean' }, reason: { type: 'string' }, version: { type: 'integer' } },
    }),
  },
  [SIGNER_SUBJECTS.createCredential]: {
    request: {
      type: 'object',
      required: ['tenantId', 'credentialId', 'spec'],
      additionalProperties: false,
      properties: { tenantId: id, credentialId: id, spec: CREDENTIAL_SPEC_SCHEMA, idempotencyKey: { type: 'string', minLength: 1, maxLength: 200 } },
    },
    response: reply(issued),
  },
  [SIGNER_SUBJECTS.rotateCredential]: {
    request: {
      type: 'object',
      required: ['tenantId', 'credentialId'],
      additionalProperties: false,
      properties: { tenantId: id, credentialId: id, spec: CREDENTIAL_SPEC_SCHEMA, overlapSeconds: { type: 'integer', minimum: 0, maximum: 30 * 86400 } },
    },
    response: reply({ ...issued, properties: { ...issued.properties, previousValidUntil: isoTime } }),
  },
  [SIGNER_SUBJECTS.revokeCredential]: {
    request: { type: 'object', required: ['tenantId', 'credentialId'], additionalProperties: false, properties: { tenantId: id, credentialId: id } },
    response: reply({ type: 'object', required: ['revoked'], additionalProperties: false, properties: { revoked: { type: 'boolean' } } }),
  },
  [SIGNER_SUBJECTS.describeCredential]: {
    request: { type: 'object', required: ['tenantId', 'credentialId'], additionalProperties: false, properties: { tenantId: id, credentialId: id } },
    response: reply({
      type: 'object',
      required: ['tenantId', 'credentialId', 'scheme', 'params', 'versions'],
      additionalProperties: false,
      properties: {
        tenantId: id,
        credentialId: id,
        scheme,
        params: { type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } },
        versions: {
          type: 'array',
          items: {
            type: 'object',
            required: ['version', 'createdAt'],
            additionalProperties: false,
            properties: { version: { type: 'integer' }, createdAt: isoTime, validUntil: isoTime },
          },
        },
      },
    }),
  },
  /**
   * Each item of `requests` is a sign request and each item of `replies` a sign reply:
   * the signer checks every item against the `sign` schemas above, one by one, so one
   * bad item gets its own invalid-request reply and the others are signed.
   */
  [SIGNER_SUBJECTS.signBatch]: {
    request: {
      type: 'object',
      required: ['requests'],
      additionalProperties: false,
      properties: { requests: { type: 'array', minItems: 1, maxItems: MAX_SIGN_BATCH, items: { type: 'object' } } },
    },
    response: reply({
      type: 'object',
      required: ['replies'],
      additionalProperties: false,
      properties: { replies: { type: 'array', items: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } } } },
    }),
  },
} as const;
