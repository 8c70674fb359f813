import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { TenantQueryDto } from '../paging';
import { CreateListenerServiceDto, ListListenerServicesQuery, UpdateListenerServiceDto } from './dto/listener-service.dto';
import { ListenerServicesService } from './listener-services.service';

/** Services group a tenant's inbound listeners (the seed's serviceUuid, the first part of a listener's URL). */
@Controller('v1/listener-services')
export class ListenerServicesController {
  constructor(private readonly services: ListenerServicesService) {}

  @Post()
  @HttpCode(201)
  @Requires('listeners:write')
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateListenerServiceDto) {
    return this.services.create(p, dto);
  }

  @Get()
  @Requires('listeners:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListListenerServicesQuery) {
    return this.services.list(p, q);
  }

  @Get(':id')
  @Requires('listeners:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.services.get(p, q.tenant, id);
  }

  @Patch(':id')
  @Requires('listeners:write')
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: UpdateListenerServiceDto) {
    return this.services.update(p, q.tenant, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('listeners:write')
  async delete(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto): Promise<void> {
    await this.services.delete(p, q.tenant, id);
  }
}
