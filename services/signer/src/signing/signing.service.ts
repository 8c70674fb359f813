// The auth headers for one attempt, from the credential's live versions.
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
          headers: standardWebhooksHeaders(live.map((v) => v.secret), req.deliveryId, req.timestamp, this.body(req)),
          versions: live.map((v) => v.version),
        };
      case 'oauth2':
        return { headers: { Authorization: `Bearer ${await this.accessToken(m, req.forceRefresh === true)}` }, versions: [live[0].version] };
      case 'token-header':
        return { headers: { [String(m.params.header)]: `${String(m.params.prefix)}${live[0].secret}` }, versions: [live[0].version] };
      case 'static-headers':
        return { headers: JSON.parse(live[0].secret) as Record<string, string>, versions: [live[0].version] };
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
