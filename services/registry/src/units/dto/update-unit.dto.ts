import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { ENTITY_ID_RE } from '@hookline/contracts';

export class UpdateUnitDto {
  @IsOptional()
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
