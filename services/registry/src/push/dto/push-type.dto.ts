import { IsBoolean, IsDefined, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ENTITY_ID_RE, TENANT_ID_RE, TOPIC_RE } from '@hookline/contracts';
import { FreeFormJson, IsOmittable } from '@hookline/http';
import { TenantListQueryDto } from '../../paging';

const TYPE_MESSAGE = 'type must be dot-separated words of letters, digits, "_" or "-" (for example appointment.booked)';
const TOPIC_MESSAGE = 'topic must be a host event topic such as Appointments.Booked (no wildcards)';

export class CreatePushTypeDto {
  /** Only with the operator token; an account adds types to its own tenant. */
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  @IsString()
  @Matches(TOPIC_RE, { message: TYPE_MESSAGE })
  type: string;

  /** The host event topic that triggers this notification. */
  @IsString()
  @Matches(TOPIC_RE, { message: TOPIC_MESSAGE })
  topic: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  description?: string;

  /** An example of the notification's data (documentation). */
  @IsOptional()
  @IsObject()
  @FreeFormJson()
  example?: Record<string, unknown>;
}

export class UpdatePushTypeDto {
  // Omittable, not optional: a null topic would reach a NOT NULL column (a 500).
  @IsOmittable()
  @IsString()
  @Matches(TOPIC_RE, { message: TOPIC_MESSAGE })
  topic?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @IsOptional()
  @IsObject()
  @FreeFormJson()
  example?: Record<string, unknown>;
}

export class ListPushTypesQuery extends TenantListQueryDto {
  /** Show each type's effective flag for this unit (default: the global one). */
  @IsOptional()
  @Matches(ENTITY_ID_RE, { message: 'unit must be a unit id' })
  unit?: string;
}

/** PUT /v1/push/types/{type}/enabled */
export class SetPushFlagDto {
  @IsDefined()
  @IsBoolean()
  enabled: boolean;

  /** The unit whose own flag this is (it covers the units below it); omitted: the global flag. */
  @IsOptional()
  @Matches(ENTITY_ID_RE, { message: 'unit must be a unit id' })
  unit?: string;
}

/** ?tenant= and ?unit= of the flag routes. */
export class PushFlagQuery {
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  @IsOptional()
  @Matches(ENTITY_ID_RE, { message: 'unit must be a unit id' })
  unit?: string;
}
