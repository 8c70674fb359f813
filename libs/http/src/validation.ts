import { ArgumentMetadata, ValidationPipe, ValidationError as CvError } from '@nestjs/common';
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

/**
 * Where a value holds the NUL character (U+0000), as a dotted field path. JSON and URLs
 * may carry it, but PostgreSQL text and jsonb cannot store it: without this check such
 * input fails in the database (a 500), or worse, is accepted and then cannot be projected.
 */
export function findNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'body' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const child = path ? `${path}.${k}` : k;
    if (k.includes('\u0000')) return child;
    const hit = findNul(v, child);
    if (hit) return hit;
  }
  return undefined;
}

/** class-validator's pipe, after a check every input gets whatever its DTO: no NUL characters. */
class HooklineValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const field = findNul(value, metadata.data ?? '');
      if (field) throw new ValidationError([{ field, message: `${field} must not contain the NUL character (U+0000)` }]);
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
