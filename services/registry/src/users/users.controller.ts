import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { TenantQueryDto } from '../paging';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { UsersService } from './users.service';

@Controller('v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @HttpCode(201)
  @Requires('users:write')
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateUserDto) {
    return this.users.create(p, dto);
  }

  @Get()
  @Requires('users:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListUsersQuery) {
    return this.users.list(p, q);
  }

  @Get(':id')
  @Requires('users:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.users.get(p, q.tenant, id);
  }

  @Patch(':id')
  @Requires('users:write')
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: UpdateUserDto) {
    return this.users.update(p, q.tenant, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('users:write')
  async delete(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto): Promise<void> {
    await this.users.delete(p, q.tenant, id);
  }
}
