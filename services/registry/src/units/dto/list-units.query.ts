import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ENTITY_ID_RE } from '@hookline/contracts';
import { TenantListQueryDto } from '../../paging';

export class ListUnitsQuery extends TenantListQueryDto {
  /** Direct children of this unit. */
  @IsOptional()
  @Matches(ENTITY_ID_RE, { message: 'parentId must be a unit id' })
  parentId?: string;

  /** This unit and everything below it. */
  @IsOptional()
  @Matches(ENTITY_ID_RE, { message: 'under must be a unit id' })
  under?: string;

  /** Part of the name, case-insensitive. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
