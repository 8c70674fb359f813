import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { ListEventsQuery } from './dto/list-events.query';
import { EventsService } from './events.service';

@Controller('v1/audit/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @Requires('logs:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListEventsQuery) {
    return this.events.list(p, q);
  }

  @Get(':id')
  @Requires('logs:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: ListEventsQuery) {
    return this.events.get(p, q.tenant, id);
  }
}
