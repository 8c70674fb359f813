import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TOPIC_RE } from '@hookline/contracts';
import { IsTimestamp } from '@hookline/http';
import { TenantPageQuery } from '../../tenant-query';

export const DELIVERY_STATUSES = ['pending', 'scheduled', 'succeeded', 'failed', 'filtered', 'cancelled', 'purged'] as const;
export const DELIVERY_KINDS = ['webhook', 'push', 'integration', 'hookup'] as const;

export class ListDeliveriesQuery extends TenantPageQuery {
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
  @IsTimestamp()
  from?: string;

  @IsOptional()
  @IsTimestamp()
  to?: string;
}
