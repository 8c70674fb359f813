import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TENANT_ID_RE, TOPIC_RE } from '@hookline/contracts';
import { IsTimestamp, PageQuery } from '@hookline/http';

export class ListEventsQuery extends PageQuery {
  /** Required with the operator token. */
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  @IsOptional()
  @Matches(TOPIC_RE, { message: 'topic must be a topic name such as Accounts.Update' })
  topic?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  objectType?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  objectId?: string;

  @IsOptional()
  @IsTimestamp()
  from?: string;

  @IsOptional()
  @IsTimestamp()
  to?: string;
}
