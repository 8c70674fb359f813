import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { REGISTRY_ENTITIES, TENANT_ID_RE } from '@hookline/contracts';

export const ACTOR_FILTER_RE = /^(operator|account:[^\s]{1,128}|user:[^\s]{1,128})$/;

export class TenantQuery {
  /** Required with the operator token; an account reads its own tenant. */
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;
}

export class ListChangesQuery extends TenantQuery {
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
  @IsISO8601()
  from?: string;

  @IsOptional()
  @IsISO8601()
  to?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}
