// Using custom integrations from a host application's page (the seed's "Usage"): the
// buttons of a page with what the browser needs (for background requests a trigger
// reference; for foreground actions the exact URL or form, verification computed by the
// signer now, when the page renders), triggering a background request (a delivery of
// kind "integration": the job id at once, the request through the one pipeline), and
// whether a side panel's target lets itself be framed. Called with the current user's
// access token (an account's, or a user's through an account) holding integrations:use.
import { Injectable } from '@nestjs/common';
import { actorOf, principalHolds, type Principal } from '@hookline/auth';
import {
  deliveryMsgIds,
  deliverySubjects,
  foregroundRequest,
  MULTI_OBJECT_PAGES,
  payloadBody,
  stableUuid,
  uuidv7,
  UUID_RE,
  type DeliveryCreated,
  type ForegroundRequest,
  type IntegrationAction,
  type IntegrationJobContext,
  type IntegrationMethod,
  type IntegrationPage,
} from '@hookline/contracts';
import { EgressClient } from '@hookline/egress';
import { ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError, tenantScope, ValidationError } from '@hookline/http';
import { JetStreamPublisher, PublishFailedError } from '@hookline/messaging';
import type { Integration } from './entities/integration.entity';
import { framingVerdict, type FramingVerdict } from './framing';
import { IntegrationCredentials } from './integration-credentials';
import { IntegrationsRepository } from './integrations.repository';

export interface IntegrationButton {
  id: string;
  /** The label. */
  name: string;
  action: IntegrationAction;
  method: IntegrationMethod;
  /** The target's origin: a window or frame that posts "reload" must come from it. */
  origin: string;
  /** background: where the browser POSTs {objectIds} to schedule the request. */
  trigger?: { method: 'POST'; href: string };
  /** new_window / side_panel: the exact request the browser makes, verification included. */
  request?: ForegroundRequest;
}

export interface ButtonsAnswer {
  page: IntegrationPage;
  objectIds: string[];
  /** When the page was rendered: foreground verification hashes use this timestamp. */
  renderedAt: string;
  /** One: a button; several: a dropdown (the component decides). */
  buttons: IntegrationButton[];
}

export interface TriggerAnswer {
  jobId: string;
  state: 'scheduled';
  integration: { id: string; name: string };
  objectIds: string[];
  links: { job: string; events: string };
}

type TargetAnswer = { kind: 'headers'; headers: Record<string, string>; checkedAt: string } | { kind: 'unreachable'; reason: string; checkedAt: string };

const FRAMING_HEADERS = ['content-security-policy', 'x-frame-options'] as const;
const FRAMING_CACHE_MS = 60_000;
const FRAMING_CACHE_MAX = 1000;
const USE = 'integrations:use';

/**
 * The job id of a trigger sent with an Idempotency-Key. The same click sent twice (a
 * retried POST: same caller, key, integration and ids) is one job; the same key on
 * another integration or other ids is another click, so it gets its own job instead of
 * the first one's id (whose request is then all that is ever sent).
 */
export function idempotentJobId(tenantId: string, actor: unknown, integrationId: string, objectIds: readonly string[], key: string): string {
  return stableUuid('integration-job', tenantId, JSON.stringify(actor), integrationId, JSON.stringify(objectIds), key);
}

export function jobLinks(jobId: string): TriggerAnswer['links'] {
  return { job: `/v1/integration-jobs/${jobId}`, events: `/v1/integration-jobs/${jobId}/events` };
}

@Injectable()
export class IntegrationUseService {
  private readonly framing = new Map<string, { at: number; answer: Promise<TargetAnswer> }>();

  constructor(
    private readonly integrations: IntegrationsRepository,
    private readonly credentials: IntegrationCredentials,
    private readonly publisher: JetStreamPublisher,
    private readonly egress: EgressClient,
  ) {}

  private scope(p: Principal, tenant: string | undefined): string {
    const tenantId = tenantScope(p, tenant);
    // Buttons are used by whoever sees the page: the grant on any unit will do.
    if (!principalHolds(p, USE)) throw new ForbiddenError(`custom integration buttons need the ${USE} permission`);
    return tenantId;
  }

  private checkIds(page: IntegrationPage, objectIds: string[], field: string): void {
    if (objectIds.length > 1 && !MULTI_OBJECT_PAGES.includes(page)) {
      throw new ValidationError([{ field, message: `the ${page} page sends one object id; only ${MULTI_OBJECT_PAGES.join(', ')} send several` }]);
    }
  }

  async buttons(p: Principal, tenant: string | undefined, page: IntegrationPage, objectIds: string[]): Promise<ButtonsAnswer> {
    const tenantId = this.scope(p, tenant);
    this.checkIds(page, objectIds, 'objectId');
    const now = new Date();
    const timestamp = Math.floor(now.getTime() / 1000);
    const renderId = `render:${uuidv7(now.getTime())}`;
    const rows = await this.integrations.enabledOn(tenantId, page);
    const buttons = await Promise.all(
      rows.map(async (i): Promise<IntegrationButton> => {
        const base = { id: i.id, name: i.name, action: i.action, method: i.method, origin: new URL(i.url).origin };
        if (i.action === 'background') return { ...base, trigger: { method: 'POST', href: `/v1/integrations/${i.id}/trigger` } };
        // The seed: for foreground actions the timestamp is taken when the page is rendered.
        const verification = i.verification ? await this.credentials.verification(tenantId, i.id, timestamp, renderId) : undefined;
        return { ...base, request: foregroundRequest(i, objectIds, verification) };
      }),
    );
    return { page, objectIds, renderedAt: now.toISOString(), buttons };
  }

  /** Schedules the background request; answers with the job id before anything is sent. */
  async trigger(p: Principal, tenant: string | undefined, id: string, objectIds: string[], idempotencyKey?: string): Promise<TriggerAnswer> {
    const tenantId = this.scope(p, tenant);
    const i = await this.find(tenantId, id);
    if (!i.enabled) throw new ConflictError(`integration ${id} is disabled`);
    if (i.action !== 'background') throw new ConflictError(`integration ${id} opens a ${i.action === 'new_window' ? 'new window' : 'side panel'}: the browser makes that request, not the platform`);
    this.checkIds(i.page, objectIds, 'objectIds');
    const actor = actorOf(p);
    const jobId = idempotencyKey ? idempotentJobId(tenantId, actor, i.id, objectIds, idempotencyKey) : uuidv7();
    const context: IntegrationJobContext = { integration: { id: i.id, name: i.name }, page: i.page, method: i.method, objectIds, triggeredBy: actor };
    const fact: DeliveryCreated = {
      type: 'created',
      deliveryId: jobId,
      tenantId,
      kind: 'integration',
      at: new Date().toISOString(),
      target: i.id,
      targetName: i.name,
      url: i.url,
      body: payloadBody(i.parameterName, i.page, objectIds),
      context: { ...context },
    };
    try {
      await this.publisher.publish('delivery-lifecycle', deliverySubjects.lifecycle(tenantId, 'created'), fact, { msgId: deliveryMsgIds.lifecycle(fact) });
    } catch (err) {
      if (err instanceof PublishFailedError) throw new ServiceUnavailableError('the request could not be scheduled; try again', 2);
      throw err;
    }
    return { jobId, state: 'scheduled', integration: { id: i.id, name: i.name }, objectIds, links: jobLinks(jobId) };
  }

  /**
   * Whether the side panel can show the target: asks the target (HEAD, else GET, without
   * the payload) through the SSRF-safe client and judges its framing headers for the
   * page's origin. The target's answer is remembered for a minute per integration and
   * URL, and judged for each origin: the origin is the caller's to choose, so keying the
   * request on it would let any caller make the platform send the target one request
   * per request of theirs. Callers asking at once share one request.
   */
  async framingFor(p: Principal, tenant: string | undefined, id: string, pageOrigin: string): Promise<FramingVerdict & { checkedAt: string }> {
    const tenantId = this.scope(p, tenant);
    const i = await this.find(tenantId, id);
    const key = `${tenantId}\u0000${i.id}\u0000${i.url}`;
    let hit = this.framing.get(key);
    if (!hit || Date.now() - hit.at >= FRAMING_CACHE_MS) {
      if (this.framing.size >= FRAMING_CACHE_MAX) this.framing.delete(this.framing.keys().next().value as string);
      hit = { at: Date.now(), answer: this.askTarget(i.url) };
      this.framing.set(key, hit);
      const asked = hit;
      asked.answer.catch(() => {
        if (this.framing.get(key) === asked) this.framing.delete(key);
      });
    }
    const a = await hit.answer;
    const verdict = a.kind === 'headers' ? framingVerdict(a.headers, pageOrigin, i.url) : ({ frameable: false, reason: `the target could not be reached: ${a.reason}` } as const);
    return { ...verdict, checkedAt: a.checkedAt };
  }

  /** The target's framing headers (only those: an answer's other headers are not kept). */
  private async askTarget(url: string): Promise<TargetAnswer> {
    let res = await this.egress.request({ method: 'HEAD', url, deadlineMs: 5000, maxResponseBytes: 0 });
    if (res.kind === 'response' && (res.status === 405 || res.status === 501)) res = await this.egress.request({ method: 'GET', url, deadlineMs: 5000, maxResponseBytes: 1 });
    const checkedAt = new Date().toISOString();
    if (res.kind !== 'response') return { kind: 'unreachable', reason: res.reason, checkedAt };
    const headers: Record<string, string> = {};
    for (const name of FRAMING_HEADERS) if (res.headers[name] !== undefined) headers[name] = res.headers[name];
    return { kind: 'headers', headers, checkedAt };
  }

  private async find(tenantId: string, id: string): Promise<Integration> {
    const i = UUID_RE.test(id) ? await this.integrations.find(tenantId, id) : null;
    if (!i) throw new NotFoundError(`integration ${id}`);
    return i;
  }
}
