// The signer's side of an integration: its static header values (a static-headers
// credential) and its verification salt (a verification-hash credential). The registry
// hands them over and never keeps or shows them; the signer's refusals are reported
// without echoing a value.
import { Injectable } from '@nestjs/common';
import { integrationCredentialIds, SIGNER_SUBJECTS, type CredentialSpec, type RpcReply, type Verification } from '@hookline/contracts';
import { ServiceUnavailableError, ValidationError } from '@hookline/http';
import { NatsRpc } from '@hookline/messaging';

@Injectable()
export class IntegrationCredentials {
  constructor(private readonly rpc: NatsRpc) {}

  /** Stores the static header values, replacing any held before. */
  storeHeaders(tenantId: string, integrationId: string, headers: Record<string, string>): Promise<void> {
    return this.store(tenantId, integrationCredentialIds(integrationId).headers, { scheme: 'static-headers', headers }, 'headers');
  }

  /** Stores the verification salt, replacing any held before (receivers hold one salt: no overlap). */
  storeSalt(tenantId: string, integrationId: string, salt: string): Promise<void> {
    return this.store(tenantId, integrationCredentialIds(integrationId).verification, { scheme: 'verification-hash', salt }, 'verificationSalt');
  }

  async revokeHeaders(tenantId: string, integrationId: string): Promise<void> {
    await this.rpc.call(SIGNER_SUBJECTS.revokeCredential, { tenantId, credentialId: integrationCredentialIds(integrationId).headers });
  }

  async revokeSalt(tenantId: string, integrationId: string): Promise<void> {
    await this.rpc.call(SIGNER_SUBJECTS.revokeCredential, { tenantId, credentialId: integrationCredentialIds(integrationId).verification });
  }

  /**
   * The verification for a foreground action, computed by the signer for `timestamp` (when
   * the page is rendered), so that the salt never reaches the browser.
   */
  async verification(tenantId: string, integrationId: string, timestamp: number, renderId: string): Promise<Verification> {
    const reply = await this.rpc.call(SIGNER_SUBJECTS.sign, {
      tenantId,
      credentialId: integrationCredentialIds(integrationId).verification,
      scheme: 'verification-hash',
      deliveryId: renderId,
      timestamp,
    });
    if (!reply.ok || !reply.result.fields?.timestamp || !reply.result.fields.verification) {
      throw new ServiceUnavailableError(`the verification hash could not be computed (${reply.ok ? 'no fields' : reply.error.code}); try again`, 2);
    }
    return { timestamp: reply.result.fields.timestamp, verification: reply.result.fields.verification };
  }

  private async store(tenantId: string, credentialId: string, spec: CredentialSpec, field: string): Promise<void> {
    let reply: RpcReply<unknown> = await this.rpc.call(SIGNER_SUBJECTS.rotateCredential, { tenantId, credentialId, spec });
    if (!reply.ok && reply.error.code === 'not-found') {
      reply = await this.rpc.call(SIGNER_SUBJECTS.createCredential, { tenantId, credentialId, spec });
      // Another writer created it meanwhile: replace theirs.
      if (!reply.ok && reply.error.code === 'conflict') reply = await this.rpc.call(SIGNER_SUBJECTS.rotateCredential, { tenantId, credentialId, spec });
    }
    if (reply.ok) return;
    if (reply.error.code === 'invalid-request' || reply.error.code === 'scheme-mismatch') {
      // Only the signer's refusal of a reserved header name is repeated (it names the header, not a value).
      const why = spec.scheme === 'static-headers' && /^the header \S+ is set by the platform/.test(reply.error.message) ? reply.error.message : `${field} was refused`;
      throw new ValidationError([{ field, message: why }]);
    }
    throw new ServiceUnavailableError(`the signer could not store ${field} (${reply.error.code}); try again`, 2);
  }
}

