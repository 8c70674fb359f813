import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ENTITY_ID_RE, TENANT_ID_RE } from '@hookline/contracts';

const ID_MESSAGE = 'must be 1 to 128 letters, digits or . _ : @ -, starting with a letter or digit';

export class CreateUnitDto {
  /** Only with the operator token; an account creates units in its own tenant. */
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  /** The host application's id for the unit, as it appears in events' object.unit. */
  @IsString()
  @Matches(ENTITY_ID_RE, { message: `id ${ID_MESSAGE}` })
  id: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @IsOptional()
  @IsString()
  @Matches(ENTITY_ID_RE, { message: `parentId ${ID_MESSAGE}` })
  parentId?: string;
}
