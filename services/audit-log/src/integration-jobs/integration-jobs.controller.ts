import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Authenticated, CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { NatsClient } from '@hookline/messaging';
import { TenantQuery } from '../tenant-query';
import { IntegrationLogQuery } from './dto/integration-log.query';
import { streamJob } from './job-events';
import { IntegrationJobsService } from './integration-jobs.service';

/** A background request's job, for the page that triggered it: its state, and its changes pushed as Server-Sent Events. */
@Controller('v1/integration-jobs')
export class IntegrationJobsController {
  constructor(
    private readonly jobs: IntegrationJobsService,
    private readonly nats: NatsClient,
  ) {}

  @Get(':id')
  @Authenticated()
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQuery) {
    return this.jobs.job(p, q.tenant, id);
  }

  /** text/event-stream: `event: state` with {jobId, state, error?, statusCode?, reason?} now and on every change; ends when the job does. */
  @Get(':id/events')
  @Authenticated()
  async events(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQuery, @Res() res: Response): Promise<void> {
    const row = await this.jobs.visibleJob(p, q.tenant, id);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    // Proxies (nginx ingress) must pass each event on at once.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    streamJob(this.nats.nc, row.tenant_id, row.id, () => this.jobs.current(row.tenant_id, row.id), () => this.jobs.tracker.isSending(row.id), {
      write: (text) => void res.write(text),
      end: () => res.end(),
      onClose: (fn) => res.on('close', fn),
    });
  }
}

/** The seed's custom integration log: every background request, newest first, with a detail view. */
@Controller('v1/integration-log')
export class IntegrationLogController {
  constructor(private readonly jobs: IntegrationJobsService) {}

  @Get()
  @Requires('integrations:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: IntegrationLogQuery) {
    return this.jobs.log(
      p,
      q.tenant,
      { integration: q.integration, user: q.user, state: q.state, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined },
      q.limit ?? 50,
      q.cursor,
    );
  }

  @Get(':id')
  @Requires('integrations:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQuery) {
    return this.jobs.logEntry(p, q.tenant, id);
  }
}
