import { Inject, Injectable } from '@nestjs/common';
import { actorOf, principalAllows, type Principal } from '@hookline/auth';
import { CONFIG } from '@hookline/config';
import { registryChangeSubject, uuidv7, UUID_RE, type RegistryChange } from '@hookline/contracts';
import { DeliveryKindsService } from '@hookline/delivery';
import { ConflictError, NotFoundError, tenantScope, ValidationError } from '@hookline/http';
import { JetStreamPublisher } from '@hookline/messaging';
import type { AuditLogConfig } from '../config';
import { visibilityOf } from '../visibility';
import { BulkResendFilter, BulkResendRow, BulkResendsRepository } from './bulk-resends.repository';
import { DeliveriesRepository, type DeliveryFilter } from './deliveries.repository';
import { RESENDABLE_STATUSES } from './deliveries.service';

export interface BulkResendInput extends BulkResendFilter {
  tenant?: string;
  dryRun?: boolean;
}

export function bulkResendView(r: BulkResendRow, ratePerSecond: number) {
  // total counts what the caller may resend; skipped also counts what it may not, met on the way.
  const remaining = Math.max(0, r.total - r.sent);
  return {
    id: r.id,
    status: r.status,
    filter: r.filter,
    total: r.total,
    sent: r.sent,
    skipped: r.skipped,
    createdAt: new Date(r.created_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    ratePerSecond,
    ...(r.status === 'running' ? { estimatedSecondsLeft: Math.ceil(remaining / ratePerSecond) } : {}),
  };
}

/** The delivery filter a bulk resend works through: resendable statuses, and nothing created after it was asked for. */
export function bulkFilterOf(f: BulkResendFilter, askedAt: Date): DeliveryFilter {
  const to = f.to && new Date(f.to) < askedAt ? new Date(f.to) : askedAt;
  return {
    ...(f.target ? { target: f.target } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.topic ? { topic: f.topic } : {}),
    ...(f.status ? { status: f.status } : { statuses: RESENDABLE_STATUSES }),
    ...(f.from ? { from: new Date(f.from) } : {}),
    to,
  };
}

/**
 * Resending by filter: a dry run says how many deliveries a resend would send again (and
 * how many of those the caller may not); a real one is a job the worker sends at a paced
 * rate, each delivery with its own id as its next attempt, and an audit record says who
 * asked for what.
 */
@Injectable()
export class BulkResendsService {
  constructor(
    private readonly jobs: BulkResendsRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly publisher: JetStreamPublisher,
    private readonly kinds: DeliveryKindsService,
    @Inject(CONFIG) private readonly config: AuditLogConfig,
  ) {}

  async create(p: Principal, input: BulkResendInput) {
    const tenantId = tenantScope(p, input.tenant);
    if (input.kind && !this.kinds.kinds.has(input.kind)) throw new ValidationError([{ field: 'kind', message: `kind must be one of ${this.kinds.kinds.names().join(', ')}` }]);
    const filter: BulkResendFilter = {};
    for (const k of ['target', 'kind', 'topic', 'status', 'from', 'to'] as const) if (input[k] !== undefined) filter[k] = input[k];
    const askedAt = new Date();
    const groups = await this.deliveries.countByKindAndTopic(tenantId, bulkFilterOf(filter, askedAt), visibilityOf(p));
    let count = 0;
    let forbidden = 0;
    for (const g of groups) {
      const kind = this.kinds.kinds.has(g.kind) ? this.kinds.kinds.get(g.kind) : undefined;
      const allowed = kind !== undefined && principalAllows(p, kind.resend.action, kind.resend.topicScoped && g.topic ? { topic: g.topic } : {});
      if (allowed) count += g.n;
      else forbidden += g.n;
    }
    if (input.dryRun) return { status: 200, body: { dryRun: true, count, forbidden, filter } };
    // One running job per tenant: each job sends every delivery it matches again, so jobs
    // asked for side by side multiplied a receiver's traffic without limit (the same
    // filter five times: every delivery five more times) and queued other tenants' behind.
    const started = await this.jobs.createUnlessRunning({ id: uuidv7(askedAt.getTime()), tenant_id: tenantId, requested_by: p, filter: { ...filter, to: bulkFilterOf(filter, askedAt).to?.toISOString() }, total: count });
    if ('running' in started) {
      throw new ConflictError(`bulk resend ${started.running.id} is still running for this tenant (GET /v1/deliveries/resends/${started.running.id}); ask again once it is done`);
    }
    const job = started.created;
    const change: RegistryChange = {
      id: job.id,
      tenantId,
      entity: 'delivery',
      entityId: job.id,
      action: 'resent',
      actor: actorOf(p),
      at: askedAt.toISOString(),
      before: null,
      after: null,
      detail: { filter, count, forbidden, ratePerSecond: this.config.bulkResendRate },
    };
    await this.publisher.publish('registry-change', registryChangeSubject(tenantId, 'delivery', 'resent'), change, { msgId: change.id });
    return { status: 202, body: { ...bulkResendView(job, this.config.bulkResendRate), forbidden } };
  }

  async get(p: Principal, tenant: string | undefined, id: string) {
    const tenantId = tenantScope(p, tenant);
    visibilityOf(p);
    const job = UUID_RE.test(id) ? await this.jobs.get(tenantId, id) : undefined;
    if (!job) throw new NotFoundError(`bulk resend ${id}`);
    return bulkResendView(job, this.config.bulkResendRate);
  }
}
