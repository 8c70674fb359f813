import { Controller, Get, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { ListLogsQuery } from './dto/list-logs.query';
import { LogsService } from './logs.service';

@Controller('v1/listener-logs')
export class LogsController {
  constructor(private readonly logs: LogsService) {}

  @Get()
  @Requires('listeners:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListLogsQuery) {
    return this.logs.list(p, q);
  }
}
