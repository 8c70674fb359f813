import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsEmail, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, IsUrl, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { CLIENT_TYPES, GRANT_TYPES, SIGNING_ALGORITHMS, TENANT_ID_RE, type OAuthClientType, type OAuthGrantType, type SigningAlgorithm } from '@hookline/contracts';
import { IsOmittable, PageQuery } from '@hookline/http';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };
/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/;

export const CHANNEL_KINDS = ['hookup-url', 'email'] as const;

export class ChannelDto {
  @IsDefined()
  @IsIn(CHANNEL_KINDS)
  kind: (typeof CHANNEL_KINDS)[number];

  /** hookup-url: where the JSON message is POSTed (SSRF-checked). */
  @ValidateIf((o: ChannelDto) => o.kind === 'hookup-url')
  @IsUrl(URL_OPTIONS, { message: 'url must be an http or https URL' })
  @MaxLength(2048)
  url?: string;

  /** email: who gets the details. */
  @ValidateIf((o: ChannelDto) => o.kind === 'email')
  @IsEmail({}, { message: 'address must be an e-mail address' })
  @MaxLength(320)
  address?: string;
}

export class OAuthSettingsDto {
  @IsDefined()
  @IsIn(GRANT_TYPES)
  grantType: OAuthGrantType;

  @IsDefined()
  @IsIn(CLIENT_TYPES)
  clientType: OAuthClientType;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsUrl({ ...URL_OPTIONS, require_tld: false }, { each: true, message: 'each redirect URI must be an http or https URL' })
  @MaxLength(2048, { each: true })
  redirectUris?: string[];

  /** The ID-token signing algorithm; null (or absent): the integration does not use OpenID Connect. */
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsIn(SIGNING_ALGORITHMS, { message: `algorithm must be one of ${SIGNING_ALGORITHMS.join(', ')} or null` })
  algorithm?: SigningAlgorithm | null;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(SCOPE_TOKEN, { each: true, message: 'each scope must be a scope token (printable, no spaces, quotes or backslashes)' })
  scopes?: string[];
}

export class CreateTemplateDto {
  /** The operator: leave out for the catalogue, or name the tenant whose own template it is. An account always makes its tenant's own. */
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ChannelDto)
  channel: ChannelDto;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => OAuthSettingsDto)
  oauth: OAuthSettingsDto;
}

export class UpdateTemplateDto {
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => ChannelDto)
  channel?: ChannelDto;

  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => OAuthSettingsDto)
  oauth?: OAuthSettingsDto;
}

export class ListTemplatesQuery extends PageQuery {
  /** true: only retired ones; false: only those open for installation. Default: both. */
  @IsOptional()
  @IsIn(['true', 'false'])
  retired?: 'true' | 'false';

  /** "catalogue": the operator's; a tenant id: that tenant's own (the operator), or your own. */
  @IsOptional()
  @Matches(/^(catalogue|[a-z0-9][a-z0-9-]{0,62})$/, { message: 'owner must be "catalogue" or a tenant id' })
  owner?: string;
}
