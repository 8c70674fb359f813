import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { LISTENER_NAME_RE, TENANT_ID_RE } from '@hookline/contracts';
import { PageQuery } from '@hookline/http';

export class ListLogsQuery extends PageQuery {
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  /** The webhook (listener) name, as the seed's filter. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(LISTENER_NAME_RE, { message: 'listener must be a listener name' })
  listener?: string;

  @IsOptional()
  @IsUUID()
  listenerId?: string;

  @IsOptional()
  @IsIn(['success', 'error', 'all'])
  state?: 'success' | 'error' | 'all';
}
