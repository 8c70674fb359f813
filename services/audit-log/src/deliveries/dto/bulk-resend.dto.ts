import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DELIVERY_KIND_RE, TENANT_ID_RE, TOPIC_RE } from '@hookline/contracts';
import { IsOmittable, IsTimestamp } from '@hookline/http';
import { RESENDABLE_STATUSES } from '../deliveries.service';

/** POST /v1/deliveries/resend: which deliveries to send again (every field narrows), and whether only to count them. */
export class BulkResendDto {
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  @IsOmittable()
  @IsString()
  @MaxLength(128)
  target?: string;

  @IsOmittable()
  @Matches(DELIVERY_KIND_RE, { message: 'kind must be a delivery kind such as webhook or push' })
  kind?: string;

  @IsOmittable()
  @Matches(TOPIC_RE, { message: 'topic must be a topic name such as Accounts.Update' })
  topic?: string;

  /** One of the statuses a delivery can be resent from; without it, all three. */
  @IsOmittable()
  @IsIn(RESENDABLE_STATUSES, { message: `status must be one of ${RESENDABLE_STATUSES.join(', ')}` })
  status?: (typeof RESENDABLE_STATUSES)[number];

  @IsOmittable()
  @IsTimestamp()
  from?: string;

  @IsOmittable()
  @IsTimestamp()
  to?: string;

  @IsOmittable()
  @IsBoolean()
  dryRun?: boolean;
}
