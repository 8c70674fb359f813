import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { LISTENER_NAME_RE, SIGNATURE_PRESETS, TENANT_ID_RE, type ListenerStructure } from '@hookline/contracts';
import { FreeFormJson, IsOmittable } from '@hookline/http';
import { RETENTION_RE } from '../listener-settings';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** A header or query parameter name (a subset of what HTTP allows for both). */
const TOKEN_NAME = /^[A-Za-z0-9_.~-]{1,100}$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
const NO_SPACE = /^[\x21-\x7e]*$/;

export class TokenLocationDto {
  @IsDefined()
  @IsIn(['header', 'query', 'authorization'])
  in: 'header' | 'query' | 'authorization';

  /** header: the header's name; query: the parameter's name. */
  @ValidateIf((o: TokenLocationDto) => o.in === 'header' || o.in === 'query')
  @IsDefined({ message: 'name is required for a header or query parameter' })
  @Matches(TOKEN_NAME, { message: 'name must be 1 to 100 letters, digits, ".", "_", "~" or "-"' })
  name?: string;

  /** authorization: the text before the token, e.g. "Bearer " (the default); "" for none. */
  @ValidateIf((o: TokenLocationDto) => o.in === 'authorization' && o.prefix !== undefined)
  @IsString()
  @MaxLength(32)
  @Matches(PRINTABLE, { message: 'prefix must be printable ASCII' })
  prefix?: string;
}

export class ListenerAuthDto {
  @IsDefined()
  @IsIn(['none', 'token'])
  method: 'none' | 'token';

  @ValidateIf((o: ListenerAuthDto) => o.method === 'token')
  @IsDefined({ message: 'location is required for the token method' })
  @IsObject()
  @ValidateNested()
  @Type(() => TokenLocationDto)
  location?: TokenLocationDto;
}

export class ListenerSignatureDto {
  @IsDefined()
  @IsIn(SIGNATURE_PRESETS)
  preset: (typeof SIGNATURE_PRESETS)[number];

  /** Your own secret (e.g. the one GitHub or Stripe shows); generated (and shown once) when omitted. */
  @IsOmittable()
  @IsString()
  @MinLength(16)
  @MaxLength(1024)
  secret?: string;

  @ValidateIf((o: ListenerSignatureDto) => o.preset === 'hmac' && o.header !== undefined)
  @Matches(HEADER_NAME, { message: 'header must be a header name' })
  header?: string;

  @ValidateIf((o: ListenerSignatureDto) => o.preset === 'hmac' && o.algorithm !== undefined)
  @IsIn(['sha1', 'sha256', 'sha512'])
  algorithm?: 'sha1' | 'sha256' | 'sha512';

  @ValidateIf((o: ListenerSignatureDto) => o.preset === 'hmac' && o.encoding !== undefined)
  @IsIn(['hex', 'base64'])
  encoding?: 'hex' | 'base64';

  @ValidateIf((o: ListenerSignatureDto) => o.preset === 'hmac' && o.prefix !== undefined)
  @IsString()
  @MaxLength(32)
  @Matches(NO_SPACE, { message: 'prefix must be printable ASCII without spaces' })
  prefix?: string;

  @ValidateIf((o: ListenerSignatureDto) => (o.preset === 'stripe' || o.preset === 'standard-webhooks') && o.toleranceSeconds !== undefined)
  @IsInt()
  @Min(1)
  @Max(86400)
  toleranceSeconds?: number;
}

export class ListenerDedupDto {
  /** A header whose value identifies a delivery, e.g. X-GitHub-Delivery. */
  @IsOmittable()
  @Matches(HEADER_NAME, { message: 'header must be a header name' })
  header?: string;

  /** A field of the body that identifies a delivery: dot-separated, or a JSON pointer ("/id"). */
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  bodyField?: string;
}

export class ListenerScriptDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(65_536)
  source: string;

  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(1000)
  timeoutMs?: number;

  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(64)
  memoryMb?: number;
}

class ListenerFields {
  @Matches(LISTENER_NAME_RE, { message: 'name must be 1 to 64 letters, digits, "_" or "-" (it is a word of the topics Listener.<name>.Upserted, …)' })
  name: string;

  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  /** Records whose last change is older are deleted: "30d", "12h", "90m", "45s". */
  @IsOmittable()
  @Matches(RETENTION_RE, { message: 'retention must be a duration such as 30d, 12h, 90m or 45s (1 second to 3650 days)' })
  retention?: string;

  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => ListenerAuthDto)
  auth?: ListenerAuthDto;

  /** null (on update) removes the check. */
  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => ListenerSignatureDto)
  signature?: ListenerSignatureDto | null;

  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => ListenerDedupDto)
  dedup?: ListenerDedupDto | null;

  /** Seconds in which the same body (without an Idempotency-Key) counts as a retry; 0 turns it off. */
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(86400)
  bodyDedupSeconds?: number;

  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => ListenerScriptDto)
  script?: ListenerScriptDto | null;

  /** Webhook log entries kept (the newest). */
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(10_000)
  keepLogs?: number;
}

export class CreateListenerDto extends ListenerFields {
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  @IsUUID()
  serviceId: string;

  /** A structure returned by generate-tables (reviewed, maybe edited): its tables are created at once. */
  @IsOmittable()
  @IsObject()
  structure?: ListenerStructure;
}

export class UpdateListenerDto {
  @IsOmittable()
  @Matches(LISTENER_NAME_RE, { message: 'name must be 1 to 64 letters, digits, "_" or "-"' })
  name?: string;

  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @IsOmittable()
  @Matches(RETENTION_RE, { message: 'retention must be a duration such as 30d, 12h, 90m or 45s (1 second to 3650 days)' })
  retention?: string;

  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => ListenerAuthDto)
  auth?: ListenerAuthDto;

  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => ListenerSignatureDto)
  signature?: ListenerSignatureDto | null;

  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => ListenerDedupDto)
  dedup?: ListenerDedupDto | null;

  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(86400)
  bodyDedupSeconds?: number;

  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => ListenerScriptDto)
  script?: ListenerScriptDto | null;

  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(10_000)
  keepLogs?: number;
}

export class RegenerateTokenDto {
  /** How long the previous token keeps working (seconds, default 0: it stops now). */
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  overlapSeconds?: number;
}

export class RotateSigningSecretDto {
  /** Your own new secret; generated (and shown once) when omitted. */
  @IsOmittable()
  @IsString()
  @MinLength(16)
  @MaxLength(1024)
  secret?: string;

  /** How long the previous secret keeps verifying (seconds, default 86400; 0 ends it now). */
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  overlapSeconds?: number;
}

export class GenerateTablesDto {
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  /**
   * A sample request body, as the sending system sends it: its keys are data, so one named
   * __proto__, constructor or toString is kept (the ingest takes such keys too).
   */
  @IsDefined()
  @FreeFormJson()
  sample: unknown;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  baseName: string;

  /** Where the records sit in the body: "data.items", or a JSON pointer such as "/data/items". */
  @IsOmittable()
  @IsString()
  @MaxLength(500)
  rootPath?: string;

  /** The key fields, e.g. ["id"] (the default) or ["issue.id"], or several for a composite key. */
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(8)
  @IsString({ each: true })
  @MaxLength(500, { each: true })
  primaryKey?: string[];

  /** Merge with this listener's current structure: everything it has stays, what the sample adds is added. */
  @IsOmittable()
  @IsUUID()
  listenerId?: string;
}

export class PutStructureDto {
  @IsDefined()
  @IsObject()
  structure: ListenerStructure;
}
