// The installations feature's side of the signer: templates' Standard Webhooks secrets
// and installations' client secrets are created, rotated and revoked there, and only
// there are they kept for signing and writing into notifications.
import { Injectable } from '@nestjs/common';
import { SIGNER_SUBJECTS, type CredentialIssued, type CredentialSpec, type RpcReply } from '@hookline/contracts';
import { ServiceUnavailableError, ValidationError } from '@hookline/http';
import { NatsRpc } from '@hookline/messaging';

@Injectable()
export class SignerCredentials {
  constructor(private readonly rpc: NatsRpc) {}

  async create(tenantId: string, credentialId: string, spec: CredentialSpec, idempotencyKey: string, field: string): Promise<CredentialIssued> {
    return this.unwrap(await this.rpc.call(SIGNER_SUBJECTS.createCredential, { tenantId, credentialId, spec, idempotencyKey }), field);
  }

  async rotate(tenantId: string, credentialId: string, spec: CredentialSpec, field: string): Promise<CredentialIssued> {
    return this.unwrap(await this.rpc.call(SIGNER_SUBJECTS.rotateCredential, { tenantId, credentialId, spec, overlapSeconds: 0 }), field);
  }

  /** Best effort: a credential left behind stays sealed in the signer and is never shown. */
  async revoke(tenantId: string, credentialId: string): Promise<void> {
    await this.rpc.call(SIGNER_SUBJECTS.revokeCredential, { tenantId, credentialId }).catch(() => undefined);
  }

  private unwrap<T>(reply: RpcReply<T>, field: string): T {
    if (reply.ok) return reply.result;
    if (reply.error.code === 'invalid-request') throw new ValidationError([{ field, message: reply.error.message }]);
    throw new ServiceUnavailableError(`the signer could not store the secret (${reply.error.code}); try again`, 2);
  }
}
