// The push system parameters: notification_server_url, notification_jwt and
// notification_days_before, per tenant and only globally. The JWT goes to the signer
// (a token-header credential: `Authorization: <jwt>`, no prefix) and nowhere else: the
// database, the change events and every answer only say whether one is set.
import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '@hookline/auth';
import {
  DEFAULT_NOTIFICATION_DAYS_BEFORE,
  PUSH_JWT_CREDENTIAL_ID,
  PUSH_SETTINGS_ENTITY_ID,
  SIGNER_SUBJECTS,
  type CredentialSpec,
  type PushSettingsView,
  type RpcReply,
} from '@hookline/contracts';
import { EgressClient } from '@hookline/egress';
import { authorize, NotFoundError, ServiceUnavailableError, tenantScope, ValidationError } from '@hookline/http';
import { NatsRpc } from '@hookline/messaging';
import { ChangeLog } from '../outbox/change-log';
import { TenantsRepository } from '../tenants/tenants.repository';
import type { PushSettings } from './entities/push-settings.entity';
import { globalOnlyProblems, GLOBAL_ONLY_PARAMETERS, serverUrlCredentialsProblem } from './push-rules';
import { PushRepository, pushSettingsView } from './push.repository';

export interface PushSettingsInput {
  tenant?: string;
  unit?: string;
  notification_server_url?: string | null;
  notification_jwt?: string;
  notification_days_before?: number;
}

const WHOLE_TENANT = 'the whole tenant (the push system parameters are global)';

@Injectable()
export class PushSettingsService {
  constructor(
    private readonly push: PushRepository,
    private readonly tenants: TenantsRepository,
    private readonly changes: ChangeLog,
    private readonly egress: EgressClient,
    private readonly rpc: NatsRpc,
  ) {}

  async get(p: Principal, tenant: string | undefined, unit?: string): Promise<PushSettingsView> {
    const tenantId = tenantScope(p, tenant);
    if (unit !== undefined) throw new ValidationError([{ field: 'unit', message: `the push system parameters (${GLOBAL_ONLY_PARAMETERS.join(', ')}) exist only globally; leave unit out` }]);
    authorize(p, 'push:read', {}, WHOLE_TENANT);
    if (!(await this.tenants.find(tenantId))) throw new NotFoundError(`tenant ${tenantId}`);
    return pushSettingsView(tenantId, await this.push.findSettings(tenantId));
  }

  async update(p: Principal, input: PushSettingsInput): Promise<PushSettingsView> {
    const tenantId = tenantScope(p, input.tenant);
    // The seed: "setting of general push notification flags for a specific FRU is not permitted".
    if (input.unit !== undefined) throw new ValidationError(globalOnlyProblems(input, input.unit));
    authorize(p, 'push:write', {}, WHOLE_TENANT);
    if (GLOBAL_ONLY_PARAMETERS.every((k) => input[k] === undefined)) {
      throw new ValidationError([{ field: 'body', message: `give at least one of ${GLOBAL_ONLY_PARAMETERS.join(', ')}` }]);
    }
    if (!(await this.tenants.find(tenantId))) throw new NotFoundError(`tenant ${tenantId}`);
    const url = input.notification_server_url;
    if (url) {
      const credentials = serverUrlCredentialsProblem(url);
      if (credentials) throw new ValidationError([credentials]);
      const checked = this.egress.checkUrl(url);
      if (!checked.ok) throw new ValidationError([{ field: 'notification_server_url', message: `${url} is not allowed: ${checked.error.message}` }]);
    }
    const jwt = input.notification_jwt;
    // The JWT reaches the signer before the settings say one is set, so no attempt goes out without it.
    if (jwt) await this.storeJwt(tenantId, jwt);
    const view = await this.changes.transaction(async (tx) => {
      const current = await this.push.findSettings(tenantId, tx.em, true);
      const next: PushSettings = {
        tenantId,
        serverUrl: url !== undefined ? url : (current?.serverUrl ?? null),
        jwtSet: jwt !== undefined ? jwt !== '' : (current?.jwtSet ?? false),
        daysBefore: input.notification_days_before ?? current?.daysBefore ?? DEFAULT_NOTIFICATION_DAYS_BEFORE,
        createdAt: current?.createdAt ?? tx.now,
        updatedAt: tx.now,
      };
      await this.push.saveSettings(tx.em, next);
      const after = pushSettingsView(tenantId, next);
      const jwtChange = jwt === undefined ? undefined : jwt === '' ? 'removed' : 'replaced';
      await tx.record({
        tenantId,
        entity: 'push-settings',
        entityId: PUSH_SETTINGS_ENTITY_ID,
        action: current ? 'updated' : 'created',
        actor: actorOf(p),
        before: current ? { ...pushSettingsView(tenantId, current) } : null,
        after: { ...after },
        ...(jwtChange ? { detail: { jwtChange } } : {}),
      });
      return after;
    });
    // Removed from the settings first, so nothing asks for it any more; then destroyed.
    if (jwt === '') {
      await this.rpc.call(SIGNER_SUBJECTS.revokeCredential, { tenantId, credentialId: PUSH_JWT_CREDENTIAL_ID });
    }
    return view;
  }

  /** Replaces the JWT in the signer, creating the credential the first time. */
  private async storeJwt(tenantId: string, token: string): Promise<void> {
    const spec: CredentialSpec = { scheme: 'token-header', header: 'Authorization', prefix: '', token };
    const credentialId = PUSH_JWT_CREDENTIAL_ID;
    let reply: RpcReply<unknown> = await this.rpc.call(SIGNER_SUBJECTS.rotateCredential, { tenantId, credentialId, spec });
    if (!reply.ok && reply.error.code === 'not-found') {
      reply = await this.rpc.call(SIGNER_SUBJECTS.createCredential, { tenantId, credentialId, spec });
      // Another writer created it meanwhile: replace theirs.
      if (!reply.ok && reply.error.code === 'conflict') reply = await this.rpc.call(SIGNER_SUBJECTS.rotateCredential, { tenantId, credentialId, spec });
    }
    if (reply.ok) return;
    // Never echo the signer's words: they are about the value, and the value is a secret.
    if (reply.error.code === 'invalid-request' || reply.error.code === 'scheme-mismatch') {
      throw new ValidationError([{ field: 'notification_jwt', message: 'notification_jwt was refused as a header value' }]);
    }
    throw new ServiceUnavailableError(`the signer could not store notification_jwt (${reply.error.code}); try again`, 2);
  }
}
