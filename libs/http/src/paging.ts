// The paging half of every list query: how many rows (limit) and where the previous
// page ended (cursor, opaque to the client). Feature queries extend it with their filters.
import 'reflect-metadata'; // @Type reads the design types when the class is defined
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const MAX_PAGE_LIMIT = 500;
export const MAX_CURSOR_LENGTH = 512;

export class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  cursor?: string;
}
