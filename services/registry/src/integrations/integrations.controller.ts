import { Body, Controller, Delete, Get, Header, Headers, HttpCode, Inject, Injectable, Param, Patch, Post, Query, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import { integrationErrorForTrigger } from '@hookline/contracts';
import { CurrentPrincipal, ProblemFilter, ProblemBody, Requires, ValidationError, type Principal } from '@hookline/http';
import { LOGGER, Logger } from '@hookline/observability';
import { TenantQueryDto } from '../paging';
import { ButtonsQuery, CreateIntegrationDto, FramingQuery, ListIntegrationsQuery, PreviewDraftDto, PreviewQuery, TriggerDto, UpdateIntegrationDto } from './dto/integration.dto';
import { IntegrationUseService } from './integration-use.service';
import { IntegrationsService } from './integrations.service';

/**
 * A refused trigger also names the seed's error the page shows: "Connection error" when
 * the request did not go through (the platform unavailable, the session gone), "Data
 * error" when it carried invalid data.
 */
@Injectable()
export class TriggerProblemFilter extends ProblemFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger);
  }

  override toProblem(exception: unknown, req: Request): ProblemBody {
    const p = super.toProblem(exception, req);
    return { ...p, integrationError: integrationErrorForTrigger(p.status) };
  }
}

const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;

/** Custom integrations (custom-integrations.txt): settings, payload preview, and the buttons a host page shows. */
@Controller('v1/integrations')
export class IntegrationsController {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly use: IntegrationUseService,
  ) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Requires('integrations:write')
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateIntegrationDto) {
    return this.integrations.create(p, dto);
  }

  @Get()
  @Requires('integrations:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListIntegrationsQuery) {
    return this.integrations.list(p, q);
  }

  /** The enabled integrations of a page for these object ids, ready for the browser (verification computed now). */
  @Get('buttons')
  @Header('Cache-Control', 'no-store')
  @Requires('integrations:use')
  buttons(@CurrentPrincipal() p: Principal, @Query() q: ButtonsQuery) {
    return this.use.buttons(p, q.tenant, q.page, q.objectId);
  }

  /** The payload an unsaved draft of the settings would send. */
  @Post('preview')
  @HttpCode(200)
  @Requires('integrations:read')
  previewDraft(@CurrentPrincipal() p: Principal, @Body() dto: PreviewDraftDto) {
    return this.integrations.previewDraft(p, dto);
  }

  @Get(':id')
  @Requires('integrations:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.integrations.get(p, q.tenant, id);
  }

  @Get(':id/preview')
  @Requires('integrations:read')
  preview(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: PreviewQuery) {
    return this.integrations.preview(p, q.tenant, id, q.objectId);
  }

  @Patch(':id')
  @Header('Cache-Control', 'no-store')
  @Requires('integrations:write')
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: UpdateIntegrationDto) {
    return this.integrations.update(p, q.tenant, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('integrations:write')
  async delete(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto): Promise<void> {
    await this.integrations.delete(p, q.tenant, id);
  }

  /** Schedules a background request: 202 with the job id at once. */
  @Post(':id/trigger')
  @HttpCode(202)
  @Header('Cache-Control', 'no-store')
  @UseFilters(TriggerProblemFilter)
  @Requires('integrations:use')
  trigger(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: TriggerDto, @Headers('idempotency-key') key?: string) {
    if (key !== undefined && !IDEMPOTENCY_KEY_RE.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters' }]);
    if (q.tenant !== undefined && dto.tenant !== undefined && q.tenant !== dto.tenant) throw new ValidationError([{ field: 'tenant', message: 'tenant is given twice with different values (query and body)' }]);
    return this.use.trigger(p, dto.tenant ?? q.tenant, id, dto.objectIds, key);
  }

  /** Whether the side panel can frame the target for a page of this origin. */
  @Get(':id/framing')
  @Requires('integrations:use')
  framing(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: FramingQuery) {
    return this.use.framingFor(p, q.tenant, id, q.origin);
  }
}
