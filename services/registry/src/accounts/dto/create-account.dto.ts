import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { TENANT_ID_RE } from '@hookline/contracts';
import { GrantDto } from './grant.dto';

export class CreateAccountDto {
  /** Only with the operator token (which creates a tenant's first account); an account creates accounts in its own tenant. */
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
  @IsArray()
  @ArrayMaxSize(50)
  // Each grant an object: ValidateNested alone walks into a nested array ([[]]) and lets it through.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => GrantDto)
  grants: GrantDto[];
}
