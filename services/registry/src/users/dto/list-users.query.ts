import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ENTITY_ID_RE } from '@hookline/contracts';
import { TenantListQueryDto } from '../../paging';

export class ListUsersQuery extends TenantListQueryDto {
  /** Users who may see this unit. */
  @IsOptional()
  @Matches(ENTITY_ID_RE, { message: 'unit must be a unit id' })
  unit?: string;

  /** Part of the display name, case-insensitive. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
