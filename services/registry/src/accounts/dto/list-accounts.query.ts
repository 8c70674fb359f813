import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ACTIONS } from '@hookline/auth';
import { TenantListQueryDto } from '../../paging';

export class ListAccountsQuery extends TenantListQueryDto {
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'enabled must be true or false' })
  enabled?: 'true' | 'false';

  /** Part of the name, case-insensitive. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  /** Accounts with a grant naming this action. */
  @IsOptional()
  @IsIn(ACTIONS, { message: `action must be one of ${ACTIONS.join(', ')}` })
  action?: string;
}
