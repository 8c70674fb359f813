import { IsNotEmpty, IsString, IsUrl, MaxLength, ValidateIf } from 'class-validator';
import { IsOmittable } from '@hookline/http';

export class UpdateTenantDto {
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  /** null goes back to the platform's base URL. */
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'baseUrl must be an http(s) URL or null' })
  @MaxLength(500)
  baseUrl?: string | null;
}
