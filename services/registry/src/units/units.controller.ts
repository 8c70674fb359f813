import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { TenantQueryDto } from '../paging';
import { CreateUnitDto } from './dto/create-unit.dto';
import { ListUnitsQuery } from './dto/list-units.query';
import { UpdateUnitDto } from './dto/update-unit.dto';
import { UnitsService } from './units.service';

@Controller('v1/units')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  @Post()
  @HttpCode(201)
  @Requires('units:write')
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateUnitDto) {
    return this.units.create(p, dto);
  }

  @Get()
  @Requires('units:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListUnitsQuery) {
    return this.units.list(p, q);
  }

  @Get(':id')
  @Requires('units:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.units.get(p, q.tenant, id);
  }

  @Patch(':id')
  @Requires('units:write')
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: UpdateUnitDto) {
    return this.units.update(p, q.tenant, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('units:write')
  async delete(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto): Promise<void> {
    await this.units.delete(p, q.tenant, id);
  }
}
