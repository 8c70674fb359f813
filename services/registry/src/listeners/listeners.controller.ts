import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { TenantQueryDto } from '../paging';
import { ListListenersQuery } from './dto/listener-service.dto';
import { CreateListenerDto, GenerateTablesDto, PutStructureDto, RegenerateTokenDto, RotateSigningSecretDto, UpdateListenerDto } from './dto/listener.dto';
import { ListenersService } from './listeners.service';

/** Inbound webhook listeners (seed: webhook-listeners.txt): settings, tokens, signature secrets and tables. */
@Controller('v1/listeners')
export class ListenersController {
  constructor(private readonly listeners: ListenersService) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Requires('listeners:write')
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateListenerDto) {
    return this.listeners.create(p, dto);
  }

  /** "Generate Tables": the proposed structure for a sample, to review; nothing is created. */
  @Post('generate-tables')
  @HttpCode(200)
  @Requires('listeners:write')
  generate(@CurrentPrincipal() p: Principal, @Body() dto: GenerateTablesDto) {
    return this.listeners.generateTables(p, dto);
  }

  @Get()
  @Requires('listeners:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListListenersQuery) {
    return this.listeners.list(p, q);
  }

  @Get(':id')
  @Requires('listeners:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.listeners.get(p, q.tenant, id);
  }

  @Patch(':id')
  @Header('Cache-Control', 'no-store')
  @Requires('listeners:write')
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: UpdateListenerDto) {
    return this.listeners.update(p, q.tenant, id, dto);
  }

  /** Accepts a structure: creates the tables, or adds what is new to them (data is kept). */
  @Put(':id/structure')
  @Requires('listeners:write')
  putStructure(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: PutStructureDto) {
    return this.listeners.putStructure(p, q.tenant, id, dto.structure);
  }

  @Post(':id/token')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Requires('listeners:write')
  regenerateToken(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: RegenerateTokenDto) {
    return this.listeners.regenerateToken(p, q.tenant, id, dto);
  }

  @Post(':id/rotate-signing-secret')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Requires('listeners:write')
  rotate(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: RotateSigningSecretDto) {
    return this.listeners.rotateSigningSecret(p, q.tenant, id, dto);
  }

  /** Deletes the listener and its tables with their data. */
  @Delete(':id')
  @HttpCode(204)
  @Requires('listeners:write')
  async delete(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto): Promise<void> {
    await this.listeners.delete(p, q.tenant, id);
  }
}
