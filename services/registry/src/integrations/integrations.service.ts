// Custom integrations' settings (Settings → Integrations → Custom integrations): create,
// list (by page), read, edit, disable, delete, and the payload preview. Every write is a
// change event through the outbox. The verification salt and the static header values go
// to the signer and nowhere else: the table, the change events and every answer only
// say that they are set (verificationConfigured, headerNames).
import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '@hookline/auth';
import {
  integrationSettingsProblems,
  MULTI_OBJECT_PAGES,
  previewPayload,
  uuidv7,
  UUID_RE,
  type IntegrationAction,
  type IntegrationMethod,
  type IntegrationPage,
  type IntegrationView,
  type PayloadPreview,
} from '@hookline/contracts';
import { EgressClient } from '@hookline/egress';
import { authorize, FieldProblem, NotFoundError, tenantScope, ValidationError, nothingToChange } from '@hookline/http';
import { ChangeLog } from '../outbox/change-log';
import { Page, PageRequest, parsePage, toPage } from '../paging';
import { TenantsRepository } from '../tenants/tenants.repository';
import type { Integration } from './entities/integration.entity';
import { IntegrationCredentials } from './integration-credentials';
import { integrationView, IntegrationsRepository } from './integrations.repository';

export interface IntegrationInput {
  tenant?: string;
  name: string;
  page: IntegrationPage;
  action: IntegrationAction;
  method: IntegrationMethod;
  url: string;
  parameterName: string;
  enabled?: boolean;
  verification?: boolean;
  verificationSalt?: string;
  headers?: Record<string, string>;
}

export interface IntegrationPatch {
  name?: string;
  page?: IntegrationPage;
  action?: IntegrationAction;
  method?: IntegrationMethod;
  url?: string;
  parameterName?: string;
  enabled?: boolean;
  verification?: boolean;
  verificationSalt?: string | null;
  headers?: Record<string, string> | null;
}

/** Whether the WHATWG URL parser (what every request is made with) takes it as an http or https URL. */
export function isHttpUrl(raw: string): boolean {
  try {
    const { protocol } = new URL(raw);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Several object ids for a page that sends one: a payload no button would ever send. */
export function objectIdsProblem(page: IntegrationPage, objectIds: readonly string[] | undefined, field: string): FieldProblem | undefined {
  if (!objectIds || objectIds.length <= 1 || MULTI_OBJECT_PAGES.includes(page)) return undefined;
  return { field, message: `the ${page} page sends one object id; only ${MULTI_OBJECT_PAGES.join(', ')} send several` };
}

export const WHOLE_TENANT = 'the whole tenant (custom integrations are tenant-wide)';
const EXAMPLE_OBJECT_ID = '123';

@Injectable()
export class IntegrationsService {
  constructor(
    private readonly integrations: IntegrationsRepository,
    private readonly tenants: TenantsRepository,
    private readonly changes: ChangeLog,
    private readonly egress: EgressClient,
    private readonly credentials: IntegrationCredentials,
  ) {}

  async create(p: Principal, input: IntegrationInput): Promise<IntegrationView> {
    const tenantId = tenantScope(p, input.tenant);
    authorize(p, 'integrations:write', {}, WHOLE_TENANT);
    if (!(await this.tenants.find(tenantId))) throw new NotFoundError(`tenant ${tenantId}`);
    const headerNames = Object.keys(input.headers ?? {});
    const verification = input.verification ?? false;
    this.validate({ ...input, verification, headerNames, verificationConfigured: input.verificationSalt !== undefined });
    const id = uuidv7();
    // The secrets reach the signer first: an integration never says a salt is set that the signer lacks.
    const stored: ('headers' | 'salt')[] = [];
    try {
      if (headerNames.length > 0) {
        await this.credentials.storeHeaders(tenantId, id, input.headers ?? {});
        stored.push('headers');
      }
      if (input.verificationSalt !== undefined) {
        await this.credentials.storeSalt(tenantId, id, input.verificationSalt);
        stored.push('salt');
      }
      return await this.changes.transaction(async (tx) => {
        const i: Integration = {
          tenantId,
          id,
          name: input.name,
          page: input.page,
          action: input.action,
          method: input.method,
          url: input.url,
          parameterName: input.parameterName,
          enabled: input.enabled ?? true,
          verification,
          verificationConfigured: input.verificationSalt !== undefined,
          headerNames,
          createdAt: tx.now,
          updatedAt: tx.now,
        };
        await this.integrations.insert(tx.em, i);
        const view = integrationView(i);
        await tx.record({ tenantId, entity: 'integration', entityId: id, action: 'created', actor: actorOf(p), before: null, after: { ...view } });
        return view;
      });
    } catch (err) {
      if (stored.includes('headers')) await this.credentials.revokeHeaders(tenantId, id);
      if (stored.includes('salt')) await this.credentials.revokeSalt(tenantId, id);
      throw err;
    }
  }

  async list(p: Principal, input: PageRequest & { tenant?: string; page?: IntegrationPage; enabled?: 'true' | 'false' }): Promise<Page<IntegrationView>> {
    const tenantId = tenantScope(p, input.tenant);
    authorize(p, 'integrations:read', {}, WHOLE_TENANT);
    const { limit, after } = parsePage(input, UUID_RE);
    const enabled = input.enabled === undefined ? undefined : input.enabled === 'true';
    const rows = await this.integrations.list(tenantId, { page: input.page, enabled }, limit + 1, after);
    return toPage(rows, limit, (r) => r.id, integrationView);
  }

  async get(p: Principal, tenant: string | undefined, id: string): Promise<IntegrationView> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'integrations:read', {}, WHOLE_TENANT);
    return integrationView(await this.find(tenantId, id));
  }

  async update(p: Principal, tenant: string | undefined, id: string, patch: IntegrationPatch): Promise<IntegrationView> {
    // Here rather than in the controller, so that gRPC's UpdateIntegration refuses it too.
    if (nothingToChange(patch)) throw new ValidationError([{ field: 'body', message: 'give at least one field to change' }]);
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'integrations:write', {}, WHOLE_TENANT);
    const current = await this.find(tenantId, id);
    const removeHeaders = patch.headers === null || (patch.headers !== undefined && Object.keys(patch.headers).length === 0);
    const newHeaders = patch.headers && !removeHeaders ? patch.headers : undefined;
    const headerNames = newHeaders ? Object.keys(newHeaders) : removeHeaders ? [] : current.headerNames;
    const removeSalt = patch.verificationSalt === null;
    const verificationConfigured = removeSalt ? false : patch.verificationSalt !== undefined || current.verificationConfigured;
    const next = {
      name: patch.name ?? current.name,
      page: patch.page ?? current.page,
      action: patch.action ?? current.action,
      method: patch.method ?? current.method,
      url: patch.url ?? current.url,
      parameterName: patch.parameterName ?? current.parameterName,
      enabled: patch.enabled ?? current.enabled,
      verification: patch.verification ?? current.verification,
      verificationConfigured,
      headerNames,
    };
    this.validate({ ...next, ...(patch.url !== undefined ? {} : { url: undefined }) });
    if (newHeaders) await this.credentials.storeHeaders(tenantId, id, newHeaders);
    if (typeof patch.verificationSalt === 'string') await this.credentials.storeSalt(tenantId, id, patch.verificationSalt);
    const view = await this.changes.transaction(async (tx) => {
      const i = await this.integrations.find(tenantId, id, tx.em, true);
      if (!i) throw new NotFoundError(`integration ${id}`);
      const after: Integration = { ...i, ...next, updatedAt: tx.now };
      await this.integrations.update(tx.em, tenantId, id, { ...next, updatedAt: tx.now });
      const detail: Record<string, string> = {};
      if (newHeaders) detail.headersChange = 'replaced';
      else if (removeHeaders && i.headerNames.length > 0) detail.headersChange = 'removed';
      if (typeof patch.verificationSalt === 'string') detail.verificationChange = 'replaced';
      else if (removeSalt && i.verificationConfigured) detail.verificationChange = 'removed';
      await tx.record({
        tenantId,
        entity: 'integration',
        entityId: id,
        action: 'updated',
        actor: actorOf(p),
        before: { ...integrationView(i) },
        after: { ...integrationView(after) },
        ...(Object.keys(detail).length > 0 ? { detail } : {}),
      });
      return integrationView(after);
    });
    // Out of the settings first, so nothing asks for them any more; then destroyed.
    if (removeHeaders && current.headerNames.length > 0) await this.credentials.revokeHeaders(tenantId, id);
    if (removeSalt && current.verificationConfigured) await this.credentials.revokeSalt(tenantId, id);
    return view;
  }

  /** Deleted for good (the log keeps its requests, under the name it had); waiting requests are cancelled. */
  async delete(p: Principal, tenant: string | undefined, id: string): Promise<void> {
    const tenantId = tenantScope(p, tenant);
    authorize(p, 'integrations:write', {}, WHOLE_TENANT);
    await this.find(tenantId, id);
    const gone = await this.changes.transaction(async (tx) => {
      const i = await this.integrations.find(tenantId, id, tx.em, true);
      if (!i) return undefined;
      await this.integrations.delete(tx.em, tenantId, id);
      await tx.record({ tenantId, entity: 'integration', entityId: id, action: 'deleted', actor: actorOf(p), before: { ...integrationView(i) }, after: null });
      return i;
    });
    if (!gone) throw new NotFoundError(`integration ${id}`);
    if (gone.headerNames.length > 0) await this.credentials.revokeHeaders(tenantId, id);
    if (gone.verificationConfigured) await this.credentials.revokeSalt(tenantId, id);
  }

  /** The seed's "Payload Information" for a saved integration. */
  async preview(p: Principal, tenant: string | undefined, id: string, objectIds: string[] | undefined): Promise<PayloadPreview> {
    const view = await this.get(p, tenant, id);
    const idProblem = objectIdsProblem(view.page, objectIds, 'objectId');
    if (idProblem) throw new ValidationError([idProblem]);
    return previewPayload(view, this.exampleIds(view.page, objectIds));
  }

  /** The same for settings being edited (not saved), so the view can update as they change. */
  previewDraft(
    p: Principal,
    draft: { tenant?: string; page?: IntegrationPage; action?: IntegrationAction; method: IntegrationMethod; url: string; parameterName: string; verification?: boolean; headerNames?: string[]; objectIds?: string[] },
  ): PayloadPreview {
    tenantScope(p, draft.tenant);
    authorize(p, 'integrations:read', {}, WHOLE_TENANT);
    const s = { action: draft.action ?? 'background', method: draft.method, url: draft.url, parameterName: draft.parameterName, verification: draft.verification ?? false, headerNames: draft.headerNames ?? [] };
    const problems: FieldProblem[] = integrationSettingsProblems({ page: draft.page ?? 'client', ...s });
    // The draft's URL is not SSRF-checked, but it must be one a request can go to: some
    // that the DTO's syntax check lets through (http://xn--a.com/) no URL parser takes.
    if (!isHttpUrl(draft.url)) problems.push({ field: 'url', message: `${draft.url} is not an http or https URL` });
    const idProblem = objectIdsProblem(draft.page ?? 'client', draft.objectIds, 'objectIds');
    if (idProblem) problems.push(idProblem);
    if (problems.length > 0) throw new ValidationError(problems);
    return previewPayload(s, this.exampleIds(draft.page ?? 'client', draft.objectIds));
  }

  private exampleIds(page: IntegrationPage, objectIds: string[] | undefined): string[] {
    if (objectIds && objectIds.length > 0) return objectIds;
    return page === 'reminders' ? [EXAMPLE_OBJECT_ID, '124'] : [EXAMPLE_OBJECT_ID];
  }

  private async find(tenantId: string, id: string): Promise<Integration> {
    const i = UUID_RE.test(id) ? await this.integrations.find(tenantId, id) : null;
    if (!i) throw new NotFoundError(`integration ${id}`);
    return i;
  }

  /** Settings that do not go together, and a URL the SSRF rules refuse, reported together. */
  private validate(s: {
    page: IntegrationPage;
    action: IntegrationAction;
    parameterName: string;
    verification: boolean;
    verificationConfigured: boolean;
    headerNames: string[];
    url?: string;
  }): void {
    const problems: FieldProblem[] = integrationSettingsProblems(s);
    if (s.verification && !s.verificationConfigured) {
      problems.push({ field: 'verificationSalt', message: 'a verification salt is required when verification is on' });
    }
    if (s.url !== undefined) {
      const checked = this.egress.checkUrl(s.url);
      if (!checked.ok) problems.push({ field: 'url', message: `${s.url} is not allowed: ${checked.error.message}` });
    }
    if (problems.length > 0) throw new ValidationError(problems);
  }
}
