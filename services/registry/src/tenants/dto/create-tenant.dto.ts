import { IsNotEmpty, IsOptional, IsString, IsUrl, Matches, MaxLength } from 'class-validator';
import { TENANT_ID_RE } from '@hookline/contracts';

export class CreateTenantDto {
  /** Used in event subjects and URLs. */
  @IsString()
  @Matches(TENANT_ID_RE, { message: 'id must be lowercase letters, digits and dashes (at most 63), starting with a letter or digit' })
  id: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'baseUrl must be an http(s) URL' })
  @MaxLength(500)
  baseUrl?: string;
}
