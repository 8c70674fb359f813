import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { TENANT_ID_RE } from '@hookline/contracts';
import { IsOmittable } from '@hookline/http';
import { TenantListQueryDto } from '../../paging';

export const PROTOCOLS = ['none', 'websub', 'standard-webhooks', 'oauth2'] as const;
export const WEBSUB_ALGORITHMS = ['sha1', 'sha256', 'sha384', 'sha512'] as const;
const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };
const TOPIC_PATTERN = /^(\*|>|[A-Za-z0-9_-]{1,64})(\.(\*|>|[A-Za-z0-9_-]{1,64})){0,7}$/;

export class ReceiverAuthDto {
  @IsDefined()
  @IsIn(PROTOCOLS)
  protocol: (typeof PROTOCOLS)[number];

  /** websub: the HMAC algorithm (default sha256). */
  @ValidateIf((o: ReceiverAuthDto) => o.protocol === 'websub' && o.algorithm !== undefined)
  @IsIn(WEBSUB_ALGORITHMS)
  algorithm?: (typeof WEBSUB_ALGORITHMS)[number];

  /** websub / standard-webhooks: your own secret instead of a generated one. */
  @ValidateIf((o: ReceiverAuthDto) => (o.protocol === 'websub' || o.protocol === 'standard-webhooks') && o.secret !== undefined)
  @IsString()
  @MinLength(16)
  @MaxLength(1024)
  secret?: string;

  @ValidateIf((o: ReceiverAuthDto) => o.protocol === 'oauth2')
  @IsUrl(URL_OPTIONS, { message: 'tokenUrl must be an http or https URL' })
  @MaxLength(2048)
  // Last, so that it runs first (decorators apply bottom-up) and a missing field says so.
  @IsDefined({ message: 'tokenUrl is required with protocol oauth2' })
  tokenUrl?: string;

  @ValidateIf((o: ReceiverAuthDto) => o.protocol === 'oauth2')
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  // Last, so that it runs first (decorators apply bottom-up) and a missing field says so.
  @IsDefined({ message: 'clientId is required with protocol oauth2' })
  clientId?: string;

  @ValidateIf((o: ReceiverAuthDto) => o.protocol === 'oauth2')
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  // Last, so that it runs first (decorators apply bottom-up) and a missing field says so.
  @IsDefined({ message: 'clientSecret is required with protocol oauth2' })
  clientSecret?: string;

  @ValidateIf((o: ReceiverAuthDto) => o.protocol === 'oauth2' && o.scope !== undefined)
  @IsString()
  @MaxLength(1024)
  scope?: string;

  @ValidateIf((o: ReceiverAuthDto) => o.protocol === 'oauth2' && o.audience !== undefined)
  @IsString()
  @MaxLength(1024)
  audience?: string;
}

export class CreateReceiverDto {
  /** Only with the operator token; an account creates receivers in its own tenant. */
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @IsUrl(URL_OPTIONS, { message: 'url must be an http or https URL' })
  @MaxLength(2048)
  url: string;

  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @Matches(TOPIC_PATTERN, { each: true, message: 'each topic must be a topic name or pattern such as Accounts.Update or Accounts.*' })
  topics: string[];

  /** The API account that "receives": only events it may see are sent. */
  @IsUUID()
  accountId: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ReceiverAuthDto)
  auth: ReceiverAuthDto;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateReceiverDto {
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @IsOmittable()
  @IsUrl(URL_OPTIONS, { message: 'url must be an http or https URL' })
  @MaxLength(2048)
  url?: string;

  @IsOmittable()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @Matches(TOPIC_PATTERN, { each: true, message: 'each topic must be a topic name or pattern such as Accounts.Update or Accounts.*' })
  topics?: string[];

  @IsOmittable()
  @IsUUID()
  accountId?: string;

  /** Replaces the authentication (a new secret is issued for HMAC protocols). */
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => ReceiverAuthDto)
  auth?: ReceiverAuthDto;

  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;
}

export class RotateSecretDto {
  /** How long the previous secret keeps signing (seconds, default 86400; 0 ends it now). */
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  overlapSeconds?: number;

  /** websub / standard-webhooks: your own new secret; oauth2: the new client secret (required). */
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  secret?: string;
}

export class ListReceiversQuery extends TenantListQueryDto {
  @IsOptional()
  @IsIn(['true', 'false'])
  deleted?: 'true' | 'false';

  @IsOptional()
  @IsUUID()
  accountId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  topic?: string;
}
