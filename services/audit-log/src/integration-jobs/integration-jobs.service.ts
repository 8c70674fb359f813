// Background requests of custom integrations as people see them: a job's state for the
// page that triggered it (GET and a Server-Sent Events stream of its changes), and the
// integration log for administrators (the seed's "Log": who triggered which integration
// when, on which page and objects, what was sent — never the static headers — and what
// came back). Both are views of the delivery log.
import { Injectable } from '@nestjs/common';
import { describeActor, jobStatusOf, UUID_RE, type Actor, type IntegrationJobContext, type IntegrationJobStatus } from '@hookline/contracts';
import { principalAllows, principalHolds, type Principal } from '@hookline/auth';
import { ForbiddenError, NotFoundError, tenantScope, ValidationError } from '@hookline/http';
import { decodeCursor, encodeCursor } from '@hookline/persistence';
import type { AttemptRecord, DeliveryRow } from '../deliveries/deliveries.repository';
import { IntegrationJobsRepository, type IntegrationLogFilter } from './integration-jobs.repository';
import { SendingTracker } from './sending-tracker';

export interface IntegrationJobView extends IntegrationJobStatus {
  id: string;
  integration: { id: string | null; name: string | null };
  page: string | null;
  objectIds: string[];
  triggeredBy: Actor | null;
  createdAt: string;
  /** When the outcome was known (the attempt's time). */
  finishedAt?: string;
  links: { job: string; events: string; log: string };
}

export function contextOf(d: DeliveryRow): Partial<IntegrationJobContext> {
  return (d.context ?? {}) as Partial<IntegrationJobContext>;
}

export function jobStatusOfRow(d: Pick<DeliveryRow, 'status' | 'attempts' | 'last_status_code' | 'last_error_class' | 'status_reason'>): IntegrationJobStatus {
  return jobStatusOf({ status: d.status, attempts: d.attempts, lastStatusCode: d.last_status_code, lastErrorClass: d.last_error_class, statusReason: d.status_reason });
}

/** `sending`: the dispatcher said the request is out, and the log has no outcome yet. */
export function jobView(d: DeliveryRow, sending = false): IntegrationJobView {
  const c = contextOf(d);
  const row = jobStatusOfRow(d);
  const status: IntegrationJobStatus = row.state === 'scheduled' && sending ? { state: 'sending' } : row;
  const final = status.state === 'succeeded' || status.state === 'failed';
  return {
    id: d.id,
    ...status,
    integration: { id: c.integration?.id ?? d.target_id, name: c.integration?.name ?? d.target_name },
    page: c.page ?? null,
    objectIds: c.objectIds ?? [],
    triggeredBy: c.triggeredBy ?? null,
    createdAt: new Date(d.created_at).toISOString(),
    ...(final && d.last_attempt_at ? { finishedAt: new Date(d.last_attempt_at).toISOString() } : {}),
    links: { job: `/v1/integration-jobs/${d.id}`, events: `/v1/integration-jobs/${d.id}/events`, log: `/v1/integration-log/${d.id}` },
  };
}

/** Whether this principal is who triggered the job. */
function triggeredBy(p: Principal, actor: Actor | undefined): boolean {
  if (!actor) return false;
  if (p.kind === 'account') return actor.kind === 'account' && actor.accountId === p.accountId;
  if (p.kind === 'user') return actor.kind === 'user' && actor.userId === p.userId && actor.accountId === p.accountId;
  return false;
}

function logItem(d: DeliveryRow, sending: boolean) {
  const { links, ...job } = jobView(d, sending);
  return { ...job, method: contextOf(d).method ?? null, triggeredByText: job.triggeredBy ? describeActor(job.triggeredBy) : null, detail: links.log };
}

function attemptView(a: AttemptRecord) {
  return {
    attempt: a.attempt,
    at: new Date(a.at).toISOString(),
    ok: a.ok,
    durationMs: a.duration_ms,
    ...(a.error_class ? { errorClass: a.error_class, error: a.error } : {}),
    manual: a.manual,
    request: { method: a.method, url: a.url, ...(a.request_body !== null ? { body: a.request_body } : {}) },
    response: a.status_code === null ? null : { status: a.status_code, headers: a.response_headers ?? {}, body: a.response_body, truncated: a.response_truncated },
  };
}

const WHOLE_TENANT = 'the whole tenant (the integration log is tenant-wide)';

@Injectable()
export class IntegrationJobsService {
  constructor(
    private readonly repo: IntegrationJobsRepository,
    readonly tracker: SendingTracker,
  ) {}

  /**
   * A job the principal may follow: one it triggered itself (integrations:use), or any of
   * the tenant's with integrations:read on the whole tenant. Others answer 404.
   */
  async visibleJob(p: Principal, tenant: string | undefined, id: string): Promise<DeliveryRow> {
    const tenantId = tenantScope(p, tenant);
    const d = UUID_RE.test(id) ? await this.findSoon(tenantId, id) : undefined;
    const mayRead = p.kind === 'operator' || principalAllows(p, 'integrations:read', {});
    if (!d || !(mayRead || (principalHolds(p, 'integrations:use') && triggeredBy(p, contextOf(d).triggeredBy)))) throw new NotFoundError(`integration job ${id}`);
    return d;
  }

  /**
   * A job exists from the moment the trigger answered (its "created" fact is stored), but
   * the log projects facts in batches: a job that may be that young is looked for again
   * for up to two seconds before it is called missing. Job ids are UUIDv7 (their time is
   * known) unless derived from an Idempotency-Key.
   */
  private async findSoon(tenantId: string, id: string): Promise<DeliveryRow | undefined> {
    const v7 = id[14] === '7';
    const young = !v7 || Date.now() - parseInt(id.slice(0, 8) + id.slice(9, 13), 16) < 60_000;
    const deadline = Date.now() + (young ? 2000 : 0);
    for (;;) {
      const d = await this.repo.find(tenantId, id);
      if (d || Date.now() >= deadline) return d;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async job(p: Principal, tenant: string | undefined, id: string): Promise<IntegrationJobView> {
    const d = await this.visibleJob(p, tenant, id);
    return jobView(d, this.tracker.isSending(d.id));
  }

  /** The job's row as the log has it now (for the event stream). */
  current(tenantId: string, id: string): Promise<DeliveryRow | undefined> {
    return this.repo.find(tenantId, id);
  }

  private readerScope(p: Principal, tenant: string | undefined): string {
    const tenantId = tenantScope(p, tenant);
    if (!principalAllows(p, 'integrations:read', {})) throw new ForbiddenError(`the integrations:read permission does not cover ${WHOLE_TENANT}`);
    return tenantId;
  }

  async log(p: Principal, tenant: string | undefined, f: IntegrationLogFilter, limit: number, cursor?: string) {
    const tenantId = this.readerScope(p, tenant);
    let after;
    if (cursor !== undefined) {
      after = decodeCursor(cursor, UUID_RE);
      if (!after) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
    }
    const rows = await this.repo.list(tenantId, f, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map((d) => logItem(d, this.tracker.isSending(d.id))), nextCursor: rows.length > limit && last ? encodeCursor({ at: new Date(last.created_at).toISOString(), id: last.id }) : null };
  }

  /** The seed's detail view: the request as sent (without the static headers) and the answer, per attempt. */
  async logEntry(p: Principal, tenant: string | undefined, id: string) {
    const tenantId = this.readerScope(p, tenant);
    const d = UUID_RE.test(id) ? await this.repo.find(tenantId, id) : undefined;
    if (!d) throw new NotFoundError(`integration log entry ${id}`);
    const attempts = await this.repo.attempts(tenantId, id);
    return {
      ...logItem(d, this.tracker.isSending(d.id)),
      url: d.url,
      payload: d.body ? (JSON.parse(d.body) as unknown) : null,
      attempts: attempts.map(attemptView),
    };
  }
}
