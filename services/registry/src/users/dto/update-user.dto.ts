import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '@hookline/http';
import { IsUnitList } from '../../unit-list.validator';

export class UpdateUserDto {
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  displayName?: string;

  @IsOmittable()
  @IsUnitList()
  units?: '*' | string[];
}
