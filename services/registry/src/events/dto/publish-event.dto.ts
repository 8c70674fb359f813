import { Type } from 'class-transformer';
import { IsDefined, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { TENANT_ID_RE, TOPIC_RE } from '@hookline/contracts';
import { FreeFormJson } from '@hookline/http';

export class EventObjectDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  type: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  id: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  unit?: string;
}

export class PublishEventDto {
  /** Required when the operator token publishes; an API account publishes into its own tenant. */
  @IsOptional()
  @IsString()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  @IsDefined()
  @IsString()
  @Matches(TOPIC_RE, { message: 'topic must be dot-separated words of letters, digits, "_" or "-" (for example Accounts.Update)' })
  topic: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => EventObjectDto)
  object: EventObjectDto;

  @IsOptional()
  @IsObject()
  @FreeFormJson()
  data?: Record<string, unknown>;
}
