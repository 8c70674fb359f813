import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { TenantQueryDto } from '../paging';
import { CreateReceiverDto, ListReceiversQuery, RotateSecretDto, UpdateReceiverDto } from './dto/receiver.dto';
import { ReceiversService } from './receivers.service';

/** Webhook receivers (seed §3.1): URL, topics, receiving API account, authentication protocol. */
@Controller('v1/receivers')
export class ReceiversController {
  constructor(private readonly receivers: ReceiversService) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Requires('receivers:write')
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateReceiverDto) {
    return this.receivers.create(p, dto);
  }

  @Get()
  @Requires('receivers:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListReceiversQuery) {
    return this.receivers.list(p, q);
  }

  @Get(':id')
  @Requires('receivers:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.receivers.get(p, q.tenant, id);
  }

  @Patch(':id')
  @Header('Cache-Control', 'no-store')
  @Requires('receivers:write')
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: UpdateReceiverDto) {
    return this.receivers.update(p, q.tenant, id, dto);
  }

  @Post(':id/rotate-secret')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Requires('receivers:write')
  rotate(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: RotateSecretDto) {
    return this.receivers.rotateSecret(p, q.tenant, id, dto);
  }

  /** Back from a soft delete, with its settings and secret (within the restore window); 409 after it. */
  @Post(':id/restore')
  @HttpCode(200)
  @Requires('receivers:write')
  restore(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.receivers.restore(p, q.tenant, id);
  }

  /** Soft delete; answers with the receiver as it now is (deletedAt set). */
  @Delete(':id')
  @Requires('receivers:write')
  delete(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.receivers.delete(p, q.tenant, id);
  }
}
