import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsNotEmpty, IsObject, IsString, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { IsOmittable } from '@hookline/http';
import { GrantDto } from './grant.dto';

export class UpdateAccountDto {
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  /** false disables the account: it cannot log in, and its access tokens stop working. */
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  /** Replaces all grants. */
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(50)
  // Each grant an object: ValidateNested alone walks into a nested array ([[]]) and lets it through.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => GrantDto)
  grants?: GrantDto[];
}
