import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Requires, type Principal } from '@hookline/http';
import { TenantQueryDto } from '../paging';
import { AccountsService } from './accounts.service';
import { CreateAccountDto } from './dto/create-account.dto';
import { ListAccountsQuery } from './dto/list-accounts.query';
import { UpdateAccountDto } from './dto/update-account.dto';

@Controller('v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  /** 201 with the account and, this once, its API token and TOTP secret. */
  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Requires('accounts:write')
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateAccountDto) {
    return this.accounts.create(p, dto);
  }

  @Get()
  @Requires('accounts:read')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListAccountsQuery) {
    return this.accounts.list(p, q);
  }

  @Get(':id')
  @Requires('accounts:read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.accounts.get(p, q.tenant, id);
  }

  @Patch(':id')
  @Requires('accounts:write')
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto, @Body() dto: UpdateAccountDto) {
    return this.accounts.update(p, q.tenant, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('accounts:write')
  async delete(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto): Promise<void> {
    await this.accounts.delete(p, q.tenant, id);
  }

  /** New API token and TOTP secret (shown once); the old ones stop working. */
  @Post(':id/credentials')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Requires('accounts:write')
  resetCredentials(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: TenantQueryDto) {
    return this.accounts.resetCredentials(p, q.tenant, id);
  }
}
