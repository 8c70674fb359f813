import { IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TENANT_ID_RE, TOPIC_RE } from '@hookline/contracts';
import { PageQuery } from '@hookline/http';

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
  @IsISO8601()
  from?: string;

  @IsOptional()
  @IsISO8601()
  to?: string;
}
