import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsUnitList } from '../../unit-list.validator';

export class UpdateUserDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  displayName?: string;

  @IsOptional()
  @IsUnitList()
  units?: '*' | string[];
}
