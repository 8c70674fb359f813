import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { TENANT_ID_RE } from '@hookline/contracts';
import { IsOmittable } from '@hookline/http';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };

/** Printable ASCII only: the JWT travels verbatim in a header, so no CR, LF or NUL can sneak in. */
export const JWT_RE = /^[\x20-\x7e]*$/;
export const MAX_DAYS_BEFORE = 3650;

/**
 * ?tenant= (only with the operator token) and ?unit= of the settings routes; the body of a
 * write takes them too. A unit is never accepted on a write (the system parameters exist
 * only globally): it is declared so the refusal can say so.
 */
export class PushSettingsQuery {
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  unit?: string;
}

/**
 * PUT /v1/push/settings. Fields left out keep their value (notification_jwt is never
 * shown again, so a full replacement could not be sent back).
 */
export class UpdatePushSettingsDto extends PushSettingsQuery {
  /** Where every notification is POSTed; null stops sending. */
  @IsOptional()
  @ValidateIf((o: UpdatePushSettingsDto) => o.notification_server_url !== null)
  @IsUrl(URL_OPTIONS, { message: 'notification_server_url must be an http or https URL' })
  @MaxLength(2048)
  notification_server_url?: string | null;

  /** Sent verbatim as `Authorization: <jwt>`; "" removes it (no Authorization header then). Write-only. */
  // Omittable, not optional: null would mark a JWT as set without storing one.
  @IsOmittable()
  @IsString()
  @MaxLength(8192)
  @Matches(JWT_RE, { message: 'notification_jwt must be printable ASCII (it is sent as a header value)' })
  notification_jwt?: string;

  /** Days an undelivered notification is kept and retried before it is deleted. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_DAYS_BEFORE)
  notification_days_before?: number;
}
