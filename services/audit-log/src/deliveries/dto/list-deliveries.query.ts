import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { TENANT_ID_RE, TOPIC_RE } from '@hookline/contracts';

export const DELIVERY_STATUSES = ['pending', 'scheduled', 'succeeded', 'failed', 'filtered', 'cancelled', 'purged'] as const;
export const DELIVERY_KINDS = ['webhook', 'push', 'integration', 'hookup'] as const;

export class TenantQuery {
  /** Required with the operator token. */
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;
}

export class ListDeliveriesQuery extends TenantQuery {
  @IsOptional()
  @IsString()
  @MaxLength(128)
  receiver?: string;

  @IsOptional()
  @Matches(TOPIC_RE, { message: 'topic must be a topic name such as Accounts.Update' })
  topic?: string;

  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: (typeof DELIVERY_STATUSES)[number];

  @IsOptional()
  @IsIn(DELIVERY_KINDS)
  kind?: (typeof DELIVERY_KINDS)[number];

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
