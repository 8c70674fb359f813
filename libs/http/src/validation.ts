import { ArgumentMetadata, ValidationPipe, ValidationError as CvError } from '@nestjs/common';
import { buildMessage, isISO8601, ValidateBy, ValidateIf } from 'class-validator';
import { FieldProblem, ValidationError } from './problems';

/** Flattens class-validator's tree into dotted field paths such as "object.type". */
export function flattenValidationErrors(errors: CvError[], prefix = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push({ field: path, message });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, path));
  }
  return out;
}

// Text PostgreSQL cannot store: the NUL character (not in text or jsonb) and unpaired
// UTF-16 surrogates (jsonb refuses their \u escapes; text would silently get U+FFFD).
// eslint-disable-next-line no-control-regex -- finding U+0000 is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Where a value holds text PostgreSQL cannot store, as a dotted field path. JSON and URLs
 * may carry it; without this check such input fails in the database (a 500), or worse,
 * is accepted and then cannot be projected.
 */
export function findUnstorable(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path || 'body' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const child = path ? `${path}.${k}` : k;
    if (UNSTORABLE.test(k)) return child;
    const hit = findUnstorable(v, child);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Like @IsOptional, but only a field left out is skipped: null is validated like any
 * other value (and refused by the validators after it). For fields that cannot be null.
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object: unknown, value: unknown) => value !== undefined);
}

/**
 * An ISO 8601 date or date-time the services can compute with. Plain IsISO8601 also lets
 * through forms such as week dates (2020-W01-1) that neither Date nor PostgreSQL read,
 * which then failed as a 500 (found by fuzzing the list filters).
 */
export function IsTimestamp(): PropertyDecorator {
  return ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isISO8601(value, { strict: true }) && !Number.isNaN(Date.parse(value)),
      defaultMessage: buildMessage((each) => `${each}$property must be an ISO 8601 date or date-time, such as 2026-01-31 or 2026-01-31T12:00:00Z`),
    },
  });
}

/** class-validator's pipe, after a check every input gets whatever its DTO: only text PostgreSQL can store. */
class HooklineValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const field = findUnstorable(value, metadata.data ?? '');
      if (field) throw new ValidationError([{ field, message: `${field} must be valid Unicode text without the NUL character (U+0000)` }]);
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new HooklineValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationError(flattenValidationErrors(errors)),
  });
}
