// A credential as handed over by the registry, split into what may be shown (params)
// and what is sealed (the secret material), with the checks a JSON schema cannot make.
import { randomBytes } from 'node:crypto';
import type { CredentialScheme, CredentialSpec, InboundHmacSpec } from '@hookline/contracts';
import { DELIVERY_HEADERS, generateStandardWebhooksSecret, standardWebhooksKey } from '@hookline/delivery';

export type CredentialParams = Record<string, string | string[]>;

export interface SplitSpec {
  scheme: CredentialScheme;
  params: CredentialParams;
  /** The material to seal: a secret, a token, or the JSON of a header map. */
  secret: string;
  /** True when the platform made the secret up (it is then shown once). */
  generated: boolean;
}

/** Headers the platform sets itself or that frame the request; a credential may not override them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'x-hub-signature',
  'x-hub-signature-256',
  ...Object.values(DELIVERY_HEADERS).map((h) => h.toLowerCase()),
  'webhook-signature',
]);

export class InvalidCredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCredentialError';
  }
}

function checkHeaderName(name: string): void {
  if (RESERVED_HEADERS.has(name.toLowerCase())) throw new InvalidCredentialError(`the header ${name} is set by the platform and cannot be a credential`);
}

/** Validates the spec's semantics and splits it. */
export function splitSpec(spec: CredentialSpec): SplitSpec {
  switch (spec.scheme) {
    case 'websub': {
      const generated = spec.secret === undefined;
      return { scheme: spec.scheme, params: { algorithm: spec.algorithm }, secret: spec.secret ?? randomBytes(32).toString('base64url'), generated };
    }
    case 'standard-webhooks': {
      if (spec.secret !== undefined) {
        try {
          standardWebhooksKey(spec.secret);
        } catch (err) {
          throw new InvalidCredentialError((err as Error).message);
        }
      }
      return { scheme: spec.scheme, params: {}, secret: spec.secret ?? generateStandardWebhooksSecret(), generated: spec.secret === undefined };
    }
    case 'oauth2': {
      let url: URL;
      try {
        url = new URL(spec.tokenUrl);
      } catch {
        throw new InvalidCredentialError('tokenUrl is not a URL');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidCredentialError('tokenUrl must be http or https');
      if (url.username || url.password) throw new InvalidCredentialError('tokenUrl must not carry credentials');
      const params: CredentialParams = { tokenUrl: spec.tokenUrl, clientId: spec.clientId };
      if (spec.scope !== undefined) params.scope = spec.scope;
      if (spec.audience !== undefined) params.audience = spec.audience;
      return { scheme: spec.scheme, params, secret: spec.clientSecret, generated: false };
    }
    case 'token-header':
      checkHeaderName(spec.header);
      return { scheme: spec.scheme, params: { header: spec.header, prefix: spec.prefix }, secret: spec.token, generated: false };
    case 'inbound-hmac':
      return splitInbound(spec);
    case 'static-headers': {
      const names = Object.keys(spec.headers);
      for (const n of names) checkHeaderName(n);
      const lower = names.map((n) => n.toLowerCase());
      if (new Set(lower).size !== lower.length) throw new InvalidCredentialError('header names must differ in more than case');
      return { scheme: spec.scheme, params: { headerNames: names }, secret: JSON.stringify(spec.headers), generated: false };
    }
    case 'body-secret':
      return { scheme: spec.scheme, params: {}, secret: spec.value, generated: false };
    case 'verification-hash':
      // The fields it adds are named so a description says what signing does.
      return { scheme: spec.scheme, params: { fields: ['timestamp', 'verification'] }, secret: spec.salt, generated: false };
  }
}

/** An inbound secret: the preset's parameters are kept (defaults filled in) beside the sealed secret. */
function splitInbound(spec: InboundHmacSpec): SplitSpec {
  const params: CredentialParams = { preset: spec.preset };
  if (spec.preset === 'hmac') {
    params.header = (spec.header ?? 'X-Signature').toLowerCase();
    params.algorithm = spec.algorithm ?? 'sha256';
    params.encoding = spec.encoding ?? 'hex';
    params.prefix = spec.prefix ?? '';
  } else if (spec.header !== undefined || spec.algorithm !== undefined || spec.encoding !== undefined || spec.prefix !== undefined) {
    throw new InvalidCredentialError(`the ${spec.preset} preset fixes the header and the algorithm; header, algorithm, encoding and prefix are for the hmac preset`);
  }
  if (spec.preset === 'stripe' || spec.preset === 'standard-webhooks') params.toleranceSeconds = String(spec.toleranceSeconds ?? 300);
  if (spec.preset === 'standard-webhooks') {
    if (spec.secret !== undefined) {
      try {
        standardWebhooksKey(spec.secret);
      } catch (err) {
        throw new InvalidCredentialError((err as Error).message);
      }
    }
    return { scheme: spec.scheme, params, secret: spec.secret ?? generateStandardWebhooksSecret(), generated: spec.secret === undefined };
  }
  return { scheme: spec.scheme, params, secret: spec.secret ?? randomBytes(32).toString('base64url'), generated: spec.secret === undefined };
}

/** For HMAC schemes a rotation without new material generates a fresh secret. */
export function generatedSpec(scheme: CredentialScheme, params: CredentialParams): CredentialSpec | undefined {
  if (scheme === 'websub') return { scheme, algorithm: params.algorithm as 'sha1' | 'sha256' | 'sha384' | 'sha512' };
  if (scheme === 'standard-webhooks') return { scheme };
  if (scheme === 'inbound-hmac') return inboundSpec(params);
  return undefined;
}

/** The spec an inbound credential was made from (without its secret), to rotate it with the same parameters. */
export function inboundSpec(params: CredentialParams, secret?: string): InboundHmacSpec {
  const preset = params.preset as InboundHmacSpec['preset'];
  return {
    scheme: 'inbound-hmac',
    preset,
    ...(secret !== undefined ? { secret } : {}),
    ...(preset === 'hmac'
      ? { header: String(params.header), algorithm: params.algorithm as 'sha1' | 'sha256' | 'sha512', encoding: params.encoding as 'hex' | 'base64', prefix: String(params.prefix) }
      : {}),
    ...(params.toleranceSeconds !== undefined ? { toleranceSeconds: Number(params.toleranceSeconds) } : {}),
  };
}

/** Schemes whose secret the other side holds too, so an old and a new one can overlap. */
export function isHmacScheme(scheme: string): boolean {
  return scheme === 'websub' || scheme === 'standard-webhooks' || scheme === 'inbound-hmac';
}
