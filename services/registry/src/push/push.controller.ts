import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, ValidationError, type Principal } from '@hookline/http';
import { TenantQueryDto } from '../paging';
import { PushSettingsQuery, UpdatePushSettingsDto } from './dto/push-settings.dto';
import { CreatePushTypeDto, ListPushTypesQuery, PushFlagQuery, SetPushFlagDto, UpdatePushTypeDto } from './dto/push-type.dto';
import { PushSettingsService } from './push-settings.service';
import { PushTypesService } from './push-types.service';

/** The same value given in the query and the body must agree. */
function oneOf(field: string, fromQuery: string | undefined, fromBody: string | undefined): string | undefined {
  if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
    throw new ValidationError([{ field, message: `${field} is given twice with different values (query and body)` }]);
  }
  return fromBody ?? fromQuery;
}

/** Push notifications (seed 14.1): the system parameters, the type catalogue and the enable flags. */
@Controller('v1/push')
export class PushController {
  constructor(
    private readonly settings: PushSettingsService,
    private readonly types: PushTypesService,
  ) {}

  @Get('settings')
  @Requires('push:read')
  getSettings(@CurrentPrincipal() p: Principal, @Query() q: PushSettingsQuery) {
    return this.settings.get(p, q.tenant, q.unit);
  }

  /** Fields left out keep their value; notification_jwt is write-only ("" removes it). */
  @Put('settings')
  @Header('Cache-Control', 'no-store')
  @Requires('push:write')
  putSettings(@CurrentPrincipal() p: Principal, @Query() q: PushSettingsQuery, @Body() dto: UpdatePushSettingsDto) {
    return this.settings.update(p, { ...dto, tenant: oneOf('tenant', q.tenant, dto.tenant), unit: oneOf('unit', q.unit, dto.unit) });
  }

  @Post('types')
  @HttpCode(201)
  @Requires('push:write')
  createType(@CurrentPrincipal() p: Principal, @Body() dto: CreatePushTypeDto) {
    return this.types.create(p, dto);
  }

  @Get('types')
  @Requires('push:read')
  listTypes(@CurrentPrincipal() p: Principal, @Query() q: ListPushTypesQuery) {
    return this.types.list(p, q);
  }

  @Get('types/:type')
  @Requires('push:read')
  getType(@CurrentPrincipal() p: Principal, @Param('type') type: string, @Query() q: TenantQueryDto) {
    return this.types.get(p, q.tenant, type);
  }

  @Patch('types/:type')
  @Requires('push:write')
  updateType(@CurrentPrincipal() p: Principal, @Param('type') type: string, @Query() q: TenantQueryDto, @Body() dto: UpdatePushTypeDto) {
    return this.types.update(p, q.tenant, type, dto);
  }

  @Delete('types/:type')
  @HttpCode(204)
  @Requires('push:write')
  async deleteType(@CurrentPrincipal() p: Principal, @Param('type') type: string, @Query() q: TenantQueryDto): Promise<void> {
    await this.types.delete(p, q.tenant, type);
  }

  /** The effective flag for ?unit= (or globally): enabled, and where the value came from. */
  @Get('types/:type/enabled')
  @Requires('push:read')
  getFlag(@CurrentPrincipal() p: Principal, @Param('type') type: string, @Query() q: PushFlagQuery) {
    return this.types.effective(p, q.tenant, type, q.unit);
  }

  @Put('types/:type/enabled')
  @Requires('push:write')
  setFlag(@CurrentPrincipal() p: Principal, @Param('type') type: string, @Query() q: PushFlagQuery, @Body() dto: SetPushFlagDto) {
    return this.types.setFlag(p, q.tenant, type, { enabled: dto.enabled, unit: oneOf('unit', q.unit, dto.unit) });
  }

  /** Removes the explicit flag of ?unit= (it inherits again) or the global one (off by default). */
  @Delete('types/:type/enabled')
  @Requires('push:write')
  clearFlag(@CurrentPrincipal() p: Principal, @Param('type') type: string, @Query() q: PushFlagQuery) {
    return this.types.clearFlag(p, q.tenant, type, q.unit);
  }
}
