import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, OperatorOnly, PageQuery, type Principal } from '@hookline/http';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { UpdateTenantDto } from './dto/update-tenant.dto';
import { TenantsService } from './tenants.service';

@OperatorOnly()
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @HttpCode(201)
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateTenantDto) {
    return this.tenants.create(p, dto);
  }

  @Get()
  list(@CurrentPrincipal() p: Principal, @Query() q: PageQuery) {
    return this.tenants.list(p, q);
  }

  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.tenants.get(p, id);
  }

  @Patch(':id')
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: UpdateTenantDto) {
    return this.tenants.update(p, id, dto);
  }
}
