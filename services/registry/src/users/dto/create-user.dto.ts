import { IsDefined, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ENTITY_ID_RE, TENANT_ID_RE } from '@hookline/contracts';
import { IsUnitList } from '../../unit-list.validator';

export class CreateUserDto {
  /** Only with the operator token; an account mirrors users into its own tenant. */
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  /** The host application's id for the user. */
  @IsString()
  @Matches(ENTITY_ID_RE, { message: 'id must be 1 to 128 letters, digits or . _ : @ -, starting with a letter or digit' })
  id: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  displayName: string;

  /** The units the user may see: "*" or a list of unit ids. */
  @IsDefined()
  @IsUnitList()
  units: '*' | string[];
}
