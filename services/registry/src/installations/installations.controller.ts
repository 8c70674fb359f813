import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { TenantQueryDto } from '../paging';
import { InstallDto, ListInstallationsQuery } from './dto/installation.dto';
import { InstallationsService } from './installations.service';

/** A tenant's installed apps: OAuth clients in the provider, departments, secret rotation, uninstall. */
@Controller('v1/installations')
export class InstallationsController {
  constructor(private readonly installations: InstallationsService) {}

  @Post()
  @HttpCode(201)
  @Requires('installations:write')
  install(@CurrentPrincipal() p: Principal, @Body() dto: InstallDto) {
    return this.installations.install(p, dto);
  }

  @Get()
  @Requires('installations:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListInstallationsQuery) {
    return this.installations.list(p, q);
  }

  @Get(':id')
  @Requires('installations:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.installations.get(p, q.tenant, id);
  }

  @Put(':id/departments/:unit')
  @Requires('installations:write')
  enable(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Param('unit') unit: string, @Query() q: TenantQueryDto) {
    return this.installations.enableDepartment(p, q.tenant, id, unit);
  }

  @Delete(':id/departments/:unit')
  @Requires('installations:write')
  disable(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Param('unit') unit: string, @Query() q: TenantQueryDto) {
    return this.installations.disableDepartment(p, q.tenant, id, unit);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Requires('installations:write')
  rotate(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.installations.rotateSecret(p, q.tenant, id);
  }

  /** Uninstall: the client, its grants and tokens are gone at once; answers with the installation as it now is. */
  @Delete(':id')
  @Requires('installations:write')
  uninstall(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.installations.uninstall(p, q.tenant, id);
  }
}
