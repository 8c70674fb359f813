import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { TenantQueryDto } from '../paging';
import { CreateTopicDto, ListTopicsQuery, UpdateTopicDto } from './dto/topic.dto';
import { TopicsService } from './topics.service';

@Controller('v1/topics')
export class TopicsController {
  constructor(private readonly topics: TopicsService) {}

  @Post()
  @HttpCode(201)
  @Requires('receivers:write')
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateTopicDto) {
    return this.topics.create(p, dto);
  }

  @Get()
  @Requires('receivers:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListTopicsQuery) {
    return this.topics.list(p, q);
  }

  @Get(':name')
  @Requires('receivers:read')
  get(@CurrentPrincipal() p: Principal, @Param('name') name: string, @Query() q: TenantQueryDto) {
    return this.topics.get(p, q.tenant, name);
  }

  @Patch(':name')
  @Requires('receivers:write')
  update(@CurrentPrincipal() p: Principal, @Param('name') name: string, @Query() q: TenantQueryDto, @Body() dto: UpdateTopicDto) {
    return this.topics.update(p, q.tenant, name, dto);
  }

  @Delete(':name')
  @HttpCode(204)
  @Requires('receivers:write')
  async delete(@CurrentPrincipal() p: Principal, @Param('name') name: string, @Query() q: TenantQueryDto): Promise<void> {
    await this.topics.delete(p, q.tenant, name);
  }
}
