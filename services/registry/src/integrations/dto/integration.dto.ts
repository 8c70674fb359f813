import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  buildMessage,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import {
  INTEGRATION_ACTIONS,
  INTEGRATION_METHODS,
  INTEGRATION_OBJECT_ID_RE,
  INTEGRATION_PAGES,
  MAX_INTEGRATION_OBJECT_IDS,
  parseParameterName,
  TENANT_ID_RE,
  type IntegrationAction,
  type IntegrationMethod,
  type IntegrationPage,
} from '@hookline/contracts';
import { IsOmittable } from '@hookline/http';
import { TenantListQueryDto } from '../../paging';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };
const TENANT_MESSAGE = 'tenant must be lowercase letters, digits and dashes';
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// What an HTTP client can send as a field value (RFC 9110 §5.5 as undici checks it: tab,
// visible ASCII, space, and obs-text as Latin-1): any other value would be saved and then
// fail every request with a Backend error.
const HEADER_VALUE_RE = /^[\t\x20-\x7e\x80-\xff]{0,8192}$/;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const SALT_RE = /^[^\u0000-\u001f\u007f]*$/;
export const MAX_STATIC_HEADERS = 20;

/** The seed's parameter name: "id", or "id=client_" to send id=client_1. */
function IsParameterName(): PropertyDecorator {
  return ValidateBy({
    name: 'isParameterName',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && parseParameterName(v).ok,
      defaultMessage: buildMessage((_each, args) => {
        const r = typeof args?.value === 'string' ? parseParameterName(args.value) : undefined;
        return `parameterName: ${r && !r.ok ? r.problem : 'must be a string such as "id" or "id=client_"'}`;
      }),
    },
  });
}

/** Static headers: at most 20, each a valid header name with a value without line breaks. */
function IsHeaderMap(): PropertyDecorator {
  const problem = (v: unknown): string | undefined => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'headers must be an object of header names and values';
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length > MAX_STATIC_HEADERS) return `headers: at most ${MAX_STATIC_HEADERS} headers`;
    const seen = new Set<string>();
    for (const [name, value] of entries) {
      if (!HEADER_NAME_RE.test(name)) return `headers: "${name.slice(0, 100)}" is not a header name`;
      if (seen.has(name.toLowerCase())) return `headers: ${name} is given twice (header names are case-insensitive)`;
      seen.add(name.toLowerCase());
      // The value is a secret: say what is wrong with it, never what it is.
      if (typeof value !== 'string' || !HEADER_VALUE_RE.test(value)) {
        return `headers: the value of ${name} must be text of at most 8192 characters without line breaks or control characters, in Latin-1 (HTTP sends no other)`;
      }
    }
    return undefined;
  };
  return ValidateBy({ name: 'isHeaderMap', validator: { validate: (v: unknown) => problem(v) === undefined, defaultMessage: buildMessage((_e, args) => problem(args?.value) ?? 'headers are invalid') } });
}

function VerificationSalt(): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    IsString({ message: 'verificationSalt must be a string' })(target, key);
    MinLength(8, { message: 'verificationSalt must be at least 8 characters' })(target, key);
    MaxLength(1024, { message: 'verificationSalt must be at most 1024 characters' })(target, key);
    Matches(SALT_RE, { message: 'verificationSalt must not contain control characters' })(target, key);
  };
}

const toList = ({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value);

export class CreateIntegrationDto {
  /** Only with the operator token; an account creates integrations in its own tenant. */
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: TENANT_MESSAGE })
  tenant?: string;

  /** The button's label. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @IsDefined()
  @IsIn(INTEGRATION_PAGES)
  page: IntegrationPage;

  @IsDefined()
  @IsIn(INTEGRATION_ACTIONS)
  action: IntegrationAction;

  @IsDefined()
  @IsIn(INTEGRATION_METHODS)
  method: IntegrationMethod;

  @IsUrl(URL_OPTIONS, { message: 'url must be an http or https URL, with its scheme' })
  @MaxLength(2048)
  url: string;

  @IsDefined()
  @IsParameterName()
  parameterName: string;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** "Add verification hash". */
  @IsOptional()
  @IsBoolean()
  verification?: boolean;

  /** Write-only: handed to the signer, never stored here or shown again. Required with verification. */
  @ValidateIf((o: CreateIntegrationDto) => o.verification === true || o.verificationSalt !== undefined)
  @VerificationSalt()
  verificationSalt?: string;

  /** Write-only values (background requests only): handed to the signer; only the names are shown. */
  @IsOptional()
  @IsHeaderMap()
  headers?: Record<string, string>;
}

export class UpdateIntegrationDto {
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @IsOmittable()
  @IsIn(INTEGRATION_PAGES)
  page?: IntegrationPage;

  @IsOmittable()
  @IsIn(INTEGRATION_ACTIONS)
  action?: IntegrationAction;

  @IsOmittable()
  @IsIn(INTEGRATION_METHODS)
  method?: IntegrationMethod;

  @IsOmittable()
  @IsUrl(URL_OPTIONS, { message: 'url must be an http or https URL, with its scheme' })
  @MaxLength(2048)
  url?: string;

  @IsOmittable()
  @IsParameterName()
  parameterName?: string;

  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @IsOmittable()
  @IsBoolean()
  verification?: boolean;

  /** A new salt replaces the old one at once; null removes it (verification must then be off). */
  @ValidateIf((o: UpdateIntegrationDto) => o.verificationSalt !== undefined && o.verificationSalt !== null)
  @VerificationSalt()
  verificationSalt?: string | null;

  /** Replaces every static header; null or {} removes them. */
  @ValidateIf((o: UpdateIntegrationDto) => o.headers !== undefined && o.headers !== null)
  @IsHeaderMap()
  headers?: Record<string, string> | null;
}

export class ListIntegrationsQuery extends TenantListQueryDto {
  @IsOptional()
  @IsIn(INTEGRATION_PAGES)
  page?: IntegrationPage;

  @IsOptional()
  @IsIn(['true', 'false'])
  enabled?: 'true' | 'false';
}

/**
 * Object ids as the host application names them; reminders send several. A query string
 * gives one id as a string (objectId=1); a JSON body must give a list.
 */
function ObjectIds(min: number, from: 'query' | 'body'): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    if (from === 'query') Transform(toList)(target, key);
    IsArray({ message: `${String(key)} must be a list of object ids` })(target, key);
    ArrayMinSize(min, { message: `${String(key)}: give at least ${min} object id` })(target, key);
    ArrayMaxSize(MAX_INTEGRATION_OBJECT_IDS, { message: `${String(key)}: at most ${MAX_INTEGRATION_OBJECT_IDS} object ids` })(target, key);
    Matches(INTEGRATION_OBJECT_ID_RE, { each: true, message: `each of ${String(key)} must be an id of letters, digits and . _ : @ - (at most 128 characters)` })(target, key);
  };
}

/** GET /v1/integrations/buttons?page=client&objectId=123 (repeat objectId for reminders). */
export class ButtonsQuery {
  @IsDefined()
  @IsIn(INTEGRATION_PAGES)
  page: IntegrationPage;

  @IsDefined()
  @ObjectIds(1, 'query')
  objectId: string[];

  @IsOptional()
  @Matches(TENANT_ID_RE, { message: TENANT_MESSAGE })
  tenant?: string;
}

export class TriggerDto {
  /** The object ids of the page: one, or the selected reminders in order. */
  @IsDefined()
  @ObjectIds(1, 'body')
  objectIds: string[];

  @IsOptional()
  @Matches(TENANT_ID_RE, { message: TENANT_MESSAGE })
  tenant?: string;
}

export class PreviewQuery {
  /** The example object id(s); "123" when left out. */
  @IsOptional()
  @ObjectIds(1, 'query')
  objectId?: string[];

  @IsOptional()
  @Matches(TENANT_ID_RE, { message: TENANT_MESSAGE })
  tenant?: string;
}

/** An unsaved draft of the settings, for the payload preview while an administrator edits. */
export class PreviewDraftDto {
  @IsOptional()
  @IsIn(INTEGRATION_PAGES)
  page?: IntegrationPage;

  @IsOptional()
  @IsIn(INTEGRATION_ACTIONS)
  action?: IntegrationAction;

  @IsDefined()
  @IsIn(INTEGRATION_METHODS)
  method: IntegrationMethod;

  @IsUrl(URL_OPTIONS, { message: 'url must be an http or https URL, with its scheme' })
  @MaxLength(2048)
  url: string;

  @IsDefined()
  @IsParameterName()
  parameterName: string;

  @IsOptional()
  @IsBoolean()
  verification?: boolean;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_STATIC_HEADERS)
  @Matches(HEADER_NAME_RE, { each: true, message: 'each of headerNames must be a header name' })
  headerNames?: string[];

  @IsOptional()
  @ObjectIds(1, 'body')
  objectIds?: string[];

  @IsOptional()
  @Matches(TENANT_ID_RE, { message: TENANT_MESSAGE })
  tenant?: string;
}

export class FramingQuery {
  /** The origin of the page that would frame it (location.origin). */
  @IsDefined()
  @Matches(/^https?:\/\/[^/?#\s]+$/, { message: 'origin must be an origin such as https://vet.example.com' })
  @MaxLength(300)
  origin: string;

  @IsOptional()
  @Matches(TENANT_ID_RE, { message: TENANT_MESSAGE })
  tenant?: string;
}
