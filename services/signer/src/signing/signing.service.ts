// The auth headers for one attempt, from the credential's live versions.
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, VERSION } from '@hookline/config';
import type { SignRequest, SignResult } from '@hookline/contracts';
import { standardWebhooksHeaders, webSubHeaders, type WebSubAlgorithm } from '@hookline/delivery';
import { EgressClient } from '@hookline/egress';
import type { SignerConfig } from '../config';
import { CredentialsService, type CredentialMaterial } from '../credentials/credentials.service';
import { fetchClientCredentialsToken } from '../oauth2/client-credentials';
import { TokenCache } from '../oauth2/token-cache';

export class SchemeMismatchError extends Error {
  constructor(expected: string, actual: string) {
    super(`the credential is ${actual}, not ${expected}`);
    this.name = 'SchemeMismatchError';
  }
}

export class MissingBodyError extends Error {
  constructor(scheme: string) {
    super(`${scheme} signs the body: send it (base64) in "body"`);
    this.name = 'MissingBodyError';
  }
}

export class MissingFieldError extends Error {
  constructor() {
    super('body-secret writes into a JSON field: send its path in "field"');
    this.name = 'MissingFieldError';
  }
}

export class BodyFieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyFieldError';
  }
}

export class DeliveryIdError extends Error {
  constructor() {
    super('Standard Webhooks signs "<deliveryId>.<timestamp>.<body>": the deliveryId must not contain "."');
    this.name = 'DeliveryIdError';
  }
}

/** The webhook-id of a Standard Webhooks signature; a "." in it would make the signed content ambiguous. */
function webhookId(deliveryId: string): string {
  if (deliveryId.includes('.')) throw new DeliveryIdError();
  return deliveryId;
}

/** The JSON body with `path` (dotted, through objects) set to the secret; the field must already be there. */
export function writeField(body: Buffer, path: string, secret: string): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BodyFieldError('body-secret needs a JSON body');
  }
  const keys = path.split('.');
  let at: unknown = doc;
  // Own properties only: "__proto__.toString" must not walk into Object.prototype and
  // overwrite it (for the whole process) with the secret.
  for (const k of keys.slice(0, -1)) at = at && typeof at === 'object' && !Array.isArray(at) && Object.hasOwn(at, k) ? (at as Record<string, unknown>)[k] : undefined;
  const last = keys[keys.length - 1];
  // Only a field the caller put there is filled in: the payload says where the secret goes.
  if (!at || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, last)) throw new BodyFieldError(`the body has no field ${path} to write the secret into`);
  (at as Record<string, unknown>)[last] = secret;
  return Buffer.from(JSON.stringify(doc), 'utf8');
}

/**
 * Custom integrations' verification (the seed): the hex MD5 digest of the timestamp (unix
 * seconds, as decimal text) followed by the salt. MD5 is the seed's choice, kept so that
 * receivers' one-line checks work unchanged; it only proves the sender knows the salt.
 */
export function verificationFields(timestamp: number, salt: string): { timestamp: string; verification: string } {
  const ts = String(timestamp);
  return { timestamp: ts, verification: createHash('md5').update(`${ts}${salt}`, 'utf8').digest('hex') };
}

const tokenKey = (tenantId: string, credentialId: string) => `${tenantId}\u0000${credentialId}\u0000`;

@Injectable()
export class SigningService {
  readonly tokens: TokenCache;

  constructor(
    private readonly credentials: CredentialsService,
    private readonly egress: EgressClient,
    @Inject(CONFIG) config: SignerConfig,
  ) {
    this.tokens = new TokenCache({ defaultTtlMs: config.oauth2DefaultTokenTtlMs, refreshMarginMs: config.oauth2RefreshMarginMs, minRefreshIntervalMs: 2000 });
    // A rotated or revoked credential's tokens go with it.
    credentials.onChange((tenantId, credentialId) => this.tokens.clear(tokenKey(tenantId, credentialId)));
  }

  async sign(req: SignRequest): Promise<SignResult> {
    const m = await this.credentials.material(req.tenantId, req.credentialId);
    if (m.scheme !== req.scheme) throw new SchemeMismatchError(req.scheme, m.scheme);
    const now = Date.now();
    // Newest first; a superseded version signs only inside its overlap.
    const live = m.versions.filter((v) => v.validUntil === null || v.validUntil.getTime() > now);
    switch (m.scheme) {
      case 'websub': {
        // X-Hub-Signature has room for one signature. During an overlap it stays with
        // the oldest live secret, which receivers already hold; the new one takes over
        // when the overlap ends.
        const v = live[live.length - 1];
        return { headers: webSubHeaders(m.params.algorithm as WebSubAlgorithm, v.secret, this.body(req)), versions: [v.version] };
      }
      case 'standard-webhooks':
        return {
          headers: standardWebhooksHeaders(live.map((v) => v.secret), webhookId(req.deliveryId), req.timestamp, this.body(req)),
          versions: live.map((v) => v.version),
        };
      case 'oauth2':
        return { headers: { Authorization: `Bearer ${await this.accessToken(m, req.forceRefresh === true)}` }, versions: [live[0].version] };
      case 'token-header':
        return { headers: { [String(m.params.header)]: `${String(m.params.prefix)}${live[0].secret}` }, versions: [live[0].version] };
      case 'static-headers':
        return { headers: JSON.parse(live[0].secret) as Record<string, string>, versions: [live[0].version] };
      case 'body-secret': {
        // The secret goes into the body here and nowhere else; the body is then signed as sent.
        if (!req.field) throw new MissingFieldError();
        const body = writeField(this.body(req), req.field, live[0].secret);
        if (!req.then) return { headers: {}, versions: [live[0].version], body: body.toString('base64') };
        const signer = await this.credentials.material(req.then.tenantId, req.then.credentialId);
        if (signer.scheme !== req.then.scheme) throw new SchemeMismatchError(req.then.scheme, signer.scheme);
        const keys = signer.versions.filter((v) => v.validUntil === null || v.validUntil.getTime() > now);
        return {
          headers: standardWebhooksHeaders(keys.map((v) => v.secret), webhookId(req.deliveryId), req.timestamp, body),
          versions: [live[0].version],
          body: body.toString('base64'),
        };
      }
      case 'verification-hash':
        return { headers: {}, fields: verificationFields(req.timestamp, live[0].secret), versions: [live[0].version] };
      case 'inbound-hmac':
        // Verifies what others send (hookline.signer.verify); it never signs.
        throw new SchemeMismatchError(req.scheme, m.scheme);
    }
  }

  private body(req: SignRequest): Buffer {
    if (req.body === undefined) throw new MissingBodyError(req.scheme);
    return Buffer.from(req.body, 'base64');
  }

  private accessToken(m: CredentialMaterial, forceRefresh: boolean): Promise<string> {
    const v = m.versions[0];
    const p = m.params;
    return this.tokens.get(
      `${tokenKey(m.tenantId, m.credentialId)}${v.version}`,
      () =>
        fetchClientCredentialsToken(
          this.egress,
          {
            tokenUrl: String(p.tokenUrl),
            clientId: String(p.clientId),
            clientSecret: v.secret,
            ...(p.scope !== undefined ? { scope: String(p.scope) } : {}),
            ...(p.audience !== undefined ? { audience: String(p.audience) } : {}),
          },
          `Hookline/${VERSION}`,
        ),
      { forceRefresh },
    );
  }
}
