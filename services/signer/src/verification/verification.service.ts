// hookline.signer.verify: whether an inbound request was signed with a listener's
// secret. The secret never leaves the signer; the caller learns valid/invalid, which
// version matched, and a reason it may show the sender.
import { Injectable } from '@nestjs/common';
import type { VerifyRequest, VerifyResult } from '@hookline/contracts';
import { CredentialsService } from '../credentials/credentials.service';
import { SchemeMismatchError } from '../signing/signing.service';
import { verifyInbound, type InboundParams } from './inbound-signatures';

@Injectable()
export class VerificationService {
  constructor(private readonly credentials: CredentialsService) {}

  async verify(req: VerifyRequest, now = Date.now()): Promise<VerifyResult> {
    const m = await this.credentials.material(req.tenantId, req.credentialId, now);
    if (m.scheme !== 'inbound-hmac') throw new SchemeMismatchError('inbound-hmac', m.scheme);
    // Newest first; a replaced secret still verifies during its overlap.
    const live = m.versions.filter((v) => v.validUntil === null || v.validUntil.getTime() > now);
    const p = m.params;
    const params: InboundParams = {
      preset: p.preset as InboundParams['preset'],
      ...(p.header !== undefined ? { header: String(p.header) } : {}),
      ...(p.algorithm !== undefined ? { algorithm: p.algorithm as InboundParams['algorithm'] } : {}),
      ...(p.encoding !== undefined ? { encoding: p.encoding as InboundParams['encoding'] } : {}),
      ...(p.prefix !== undefined ? { prefix: String(p.prefix) } : {}),
      ...(p.toleranceSeconds !== undefined ? { toleranceSeconds: Number(p.toleranceSeconds) } : {}),
    };
    const v = verifyInbound(params, live, req.headers, Buffer.from(req.body, 'base64'), Math.floor(now / 1000));
    return v.valid ? { valid: true, version: v.version } : { valid: false, reason: v.reason };
  }
}
