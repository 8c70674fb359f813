import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DELIVERY_KIND_RE, TOPIC_RE } from '@hookline/contracts';
import { IsTimestamp } from '@hookline/http';
import { TenantPageQuery } from '../../tenant-query';

export const DELIVERY_STATUSES = ['pending', 'scheduled', 'succeeded', 'failed', 'filtered', 'cancelled', 'purged'] as const;

export class ListDeliveriesQuery extends TenantPageQuery {
  /** The target within its kind: a receiver id (webhooks), a notification type (push), ... */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  target?: string;

  /** The name earlier versions gave the target filter; the same as target. */
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
  @Matches(DELIVERY_KIND_RE, { message: 'kind must be a delivery kind such as webhook, push, integration or hookup' })
  kind?: string;

  @IsOptional()
  @IsTimestamp()
  from?: string;

  @IsOptional()
  @IsTimestamp()
  to?: string;
}
