import { IsNotEmpty, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { ENTITY_ID_RE } from '@hookline/contracts';
import { IsOmittable } from '@hookline/http';

export class UpdateUnitDto {
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  /** Moves the unit (with everything below it); null makes it a root. */
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @Matches(ENTITY_ID_RE, { message: 'parentId must be a unit id or null' })
  parentId?: string | null;
}
