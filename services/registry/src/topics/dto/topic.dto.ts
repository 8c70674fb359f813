import { IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TENANT_ID_RE, TOPIC_RE } from '@hookline/contracts';
import { FreeFormJson } from '@hookline/http';
import { TenantListQueryDto } from '../../paging';

export class CreateTopicDto {
  /** Only with the operator token; an account adds topics to its own tenant. */
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  @IsString()
  @Matches(TOPIC_RE, { message: 'name must be dot-separated words of letters, digits, "_" or "-" (for example Accounts.Update)' })
  name: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  description?: string;

  @IsOptional()
  @IsObject()
  @FreeFormJson()
  example?: Record<string, unknown>;
}

export class UpdateTopicDto {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @IsOptional()
  @IsObject()
  @FreeFormJson()
  example?: Record<string, unknown>;
}

export class ListTopicsQuery extends TenantListQueryDto {}
