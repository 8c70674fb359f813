import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { TenantQuery } from '../tenant-query';
import { BulkResendDto } from './dto/bulk-resend.dto';
import { ListDeliveriesQuery } from './dto/list-deliveries.query';
import { BulkResendsService } from './bulk-resends.service';
import { DeliveriesService } from './deliveries.service';

/** The delivery log: every outbound delivery of every kind (webhooks, push notifications, ...), newest first. */
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(
    private readonly deliveries: DeliveriesService,
    private readonly bulk: BulkResendsService,
  ) {}

  @Get()
  @Requires('logs:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListDeliveriesQuery) {
    return this.deliveries.list(
      p,
      q.tenant,
      { target: q.target ?? q.receiver, topic: q.topic, status: q.status, kind: q.kind, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined },
      q.limit ?? 50,
      q.cursor,
    );
  }

  /** Resend by filter: 200 with the count for a dry run, 202 with the job otherwise. Each kind's resend permission is checked per delivery. */
  @Post('resend')
  @Requires('logs:read')
  async resendMany(@CurrentPrincipal() p: Principal, @Body() body: BulkResendDto, @Res({ passthrough: true }) res: Response) {
    const { status, body: answer } = await this.bulk.create(p, body);
    res.status(status);
    return answer;
  }

  @Get('resends/:id')
  @Requires('logs:read')
  resendJob(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQuery) {
    return this.bulk.get(p, q.tenant, id);
  }

  @Get(':id')
  @Requires('logs:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQuery) {
    return this.deliveries.get(p, q.tenant, id);
  }

  /** The kind's resend permission (receivers:write for webhooks, push:write for push notifications) is checked by the service. */
  @Post(':id/resend')
  @HttpCode(202)
  @Requires('logs:read')
  resend(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQuery) {
    return this.deliveries.resend(p, q.tenant, id);
  }
}
