import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { TenantQuery } from '../tenant-query';
import { ListDeliveriesQuery } from './dto/list-deliveries.query';
import { DeliveriesService } from './deliveries.service';

/** The webhook log: every outbound delivery (webhooks, push notifications, ...), newest first. */
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @Requires('logs:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListDeliveriesQuery) {
    return this.deliveries.list(
      p,
      q.tenant,
      { receiverId: q.receiver, topic: q.topic, status: q.status, kind: q.kind, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined },
      q.limit ?? 50,
      q.cursor,
    );
  }

  @Get(':id')
  @Requires('logs:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQuery) {
    return this.deliveries.get(p, q.tenant, id);
  }

  @Post(':id/resend')
  @HttpCode(202)
  @Requires('logs:read', 'receivers:write')
  resend(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQuery) {
    return this.deliveries.resend(p, q.tenant, id);
  }
}
