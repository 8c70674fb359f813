import { Body, Controller, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { CreateTemplateDto, ListTemplatesQuery, UpdateTemplateDto } from './dto/template.dto';
import { TemplatesService } from './templates.service';

/** The integration catalogue (installation-hookup.txt): the operator's templates and a tenant's own. */
@Controller('v1/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Requires('installations:write')
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateTemplateDto) {
    return this.templates.create(p, dto);
  }

  @Get()
  @Requires('installations:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListTemplatesQuery) {
    return this.templates.list(p, q);
  }

  @Get(':id')
  @Requires('installations:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.templates.get(p, id);
  }

  /** Applies to installations made from now on; existing ones keep the settings they were made with. */
  @Patch(':id')
  @Header('Cache-Control', 'no-store')
  @Requires('installations:write')
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: UpdateTemplateDto) {
    return this.templates.update(p, id, dto);
  }

  @Post(':id/retire')
  @HttpCode(200)
  @Requires('installations:write')
  retire(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.templates.retire(p, id);
  }
}
