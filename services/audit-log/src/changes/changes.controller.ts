import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { ChangesService } from './changes.service';
import { TenantQuery } from '../tenant-query';
import { ListChangesQuery } from './dto/list-changes.query';

@Controller('v1/audit/changes')
export class ChangesController {
  constructor(private readonly changes: ChangesService) {}

  /** Newest first; filters: entity, entityId, actor, from, to; cursor pagination. */
  @Get()
  @Requires('logs:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListChangesQuery) {
    return this.changes.list(p, q);
  }

  @Get(':id')
  @Requires('logs:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQuery) {
    return this.changes.get(p, q.tenant, id);
  }
}
