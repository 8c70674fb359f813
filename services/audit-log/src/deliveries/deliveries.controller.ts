import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ValidationError } from '@hookline/http';
import { ListDeliveriesQuery, TenantQuery } from './dto/list-deliveries.query';
import { DeliveriesService } from './deliveries.service';

function requireTenant(tenant: string | undefined): string {
  if (!tenant) throw new ValidationError([{ field: 'tenant', message: 'tenant is required with the operator token' }]);
  return tenant;
}

/** The webhook log: every outbound delivery (webhooks, push notifications, ...), newest first. */
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  list(@Query() q: ListDeliveriesQuery) {
    return this.deliveries.list(
      requireTenant(q.tenant),
      { receiverId: q.receiver, topic: q.topic, status: q.status, kind: q.kind, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined },
      q.limit ?? 50,
      q.cursor,
    );
  }

  @Get(':id')
  get(@Param('id') id: string, @Query() q: TenantQuery) {
    return this.deliveries.get(requireTenant(q.tenant), id);
  }

  @Post(':id/resend')
  @HttpCode(202)
  resend(@Param('id') id: string, @Query() q: TenantQuery) {
    return this.deliveries.resend(requireTenant(q.tenant), id);
  }
}
