import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { INTEGRATION_JOB_STATES, TENANT_ID_RE, type IntegrationJobState } from '@hookline/contracts';
import { IsTimestamp, PageQuery } from '@hookline/http';

export class IntegrationLogQuery extends PageQuery {
  /** One integration's requests. */
  @IsOptional()
  @IsUUID()
  integration?: string;

  /** Requests a user (or an API account) made. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  user?: string;

  @IsOptional()
  @IsIn(INTEGRATION_JOB_STATES)
  state?: IntegrationJobState;

  @IsOptional()
  @IsTimestamp()
  from?: string;

  @IsOptional()
  @IsTimestamp()
  to?: string;

  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;
}
