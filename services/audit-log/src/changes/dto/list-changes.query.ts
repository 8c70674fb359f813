import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { REGISTRY_ENTITIES } from '@hookline/contracts';
import { IsTimestamp } from '@hookline/http';
import { TenantPageQuery } from '../../tenant-query';

export const ACTOR_FILTER_RE = /^(operator|account:[^\s]{1,128}|user:[^\s]{1,128})$/;

export class ListChangesQuery extends TenantPageQuery {
  @IsOptional()
  @IsIn(REGISTRY_ENTITIES, { message: `entity must be one of ${REGISTRY_ENTITIES.join(', ')}` })
  entity?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  entityId?: string;

  /** "operator", "account:<id>" (also what it did acting as users) or "user:<id>". */
  @IsOptional()
  @Matches(ACTOR_FILTER_RE, { message: 'actor must be operator, account:<id> or user:<id>' })
  actor?: string;

  @IsOptional()
  @IsTimestamp()
  from?: string;

  @IsOptional()
  @IsTimestamp()
  to?: string;
}
