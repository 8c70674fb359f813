import { ArgumentMetadata, ValidationPipe, ValidationError as CvError } from '@nestjs/common';
import { buildMessage, isISO8601, ValidateBy, ValidateIf } from 'class-validator';
import { putOwn } from '@hookline/contracts';
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
 * is accepted and then cannot be projected. Iterative: the value is the caller's JSON.
 */
export function findUnstorable(value: unknown, path: string): string | undefined {
  // Each entry: a value, its path, and the key it sits under (checked when its turn comes, as the recursive form did).
  const stack: [unknown, string, string | undefined][] = [[value, path, undefined]];
  while (stack.length > 0) {
    const [v, p, key] = stack.pop() as [unknown, string, string | undefined];
    if (key !== undefined && UNSTORABLE.test(key)) return p;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return p || 'body';
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i];
      stack.push([child, p ? `${p}.${k}` : k, k]);
    }
  }
  return undefined;
}

/**
 * Keys that class-transformer and Nest's pipe treat as the object's machinery, not its
 * data, and those of Object.prototype (toString, valueOf, ...): class-validator's
 * whitelist finds an inherited function under such a name and lets an unknown field
 * through (found by the OpenAPI contract test: {"toString": 1} was accepted).
 */
const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)];

/**
 * Where the structured part of a request (everything but its free-form JSON) has a key
 * named __proto__, constructor or prototype. Nest's pipe would delete it without a word;
 * no request field has such a name, so it is refused like any unknown field.
 */
export function findPrototypeKey(value: unknown, path = ''): string | undefined {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [v, p] = stack.pop() as [unknown, string];
    if (v === null || typeof v !== 'object') continue;
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const child = p ? `${p}.${keys[i]}` : keys[i];
      if (PROTOTYPE_KEYS.includes(keys[i])) return child;
      stack.push([(v as Record<string, unknown>)[keys[i]], child]);
    }
  }
  return undefined;
}

const FREE_FORM = Symbol('hookline:free-form-json');

/**
 * Marks a top-level body property that carries the caller's own JSON (an event's data, a
 * topic's example): it is type-checked by the property's other validators (e.g.
 * @IsObject) and then kept exactly as parsed, every key an own property. Without this,
 * Nest's pipe deletes keys named __proto__, constructor or prototype at any depth and
 * class-transformer copies the rest (and fails on some of them), so the host
 * application's data changed without a word.
 */
export function FreeFormJson(): PropertyDecorator {
  return (target, key) => {
    const ctor = target.constructor;
    const inherited: string[] = Reflect.getOwnMetadata(FREE_FORM, ctor) ?? [...((Reflect.getMetadata(FREE_FORM, ctor) as string[] | undefined) ?? [])];
    Reflect.defineMetadata(FREE_FORM, [...inherited, String(key)], ctor);
  };
}

export function freeFormProperties(metatype: unknown): string[] {
  return typeof metatype === 'function' ? ((Reflect.getMetadata(FREE_FORM, metatype) as string[] | undefined) ?? []) : [];
}


/** What the validators see in place of free-form JSON: the same kind of value, without content to copy. */
function standIn(v: unknown): unknown {
  if (Array.isArray(v)) return [];
  return v !== null && typeof v === 'object' ? {} : v;
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

/**
 * class-validator's pipe, after checks every input gets whatever its DTO: only text
 * PostgreSQL can store, and no prototype-named keys outside free-form JSON. Free-form
 * properties (@FreeFormJson) are validated through a stand-in and handed on as parsed.
 */
class HooklineValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const field = findUnstorable(value, metadata.data ?? '');
      if (field) throw new ValidationError([{ field, message: `${field} must be valid Unicode text without the NUL character (U+0000)` }]);
    }
    // A DTO body is a JSON object (or absent): null, a number or a list was taken as "no fields" before.
    if (metadata.type === 'body' && metadata.metatype && this.toValidate(metadata) && value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new ValidationError([{ field: 'body', message: 'the body must be a JSON object' }]);
    }
    if (!metadata.metatype || !this.toValidate(metadata) || value === null || typeof value !== 'object' || Array.isArray(value)) return super.transform(value, metadata);
    const free = metadata.type === 'body' ? freeFormProperties(metadata.metatype).filter((k) => Object.hasOwn(value, k)) : [];
    let shaped = value as Record<string, unknown>;
    if (free.length > 0) {
      shaped = {};
      for (const k of Object.keys(value)) putOwn(shaped, k, free.includes(k) ? standIn((value as Record<string, unknown>)[k]) : (value as Record<string, unknown>)[k]);
    }
    const key = findPrototypeKey(shaped, metadata.data ?? '');
    if (key) throw new ValidationError([{ field: key, message: `property ${key.split('.').pop()} should not exist` }]);
    const out = await super.transform(shaped, metadata);
    for (const k of free) putOwn(out as object, k, (value as Record<string, unknown>)[k]);
    return out;
  }
}

/**
 * The most field problems one answer lists. A body may carry up to 10,000 keys, and each
 * unknown one is a problem: listing them all made a 400 several times the request's size.
 */
export const MAX_REPORTED_PROBLEMS = 20;

export function capProblems(problems: FieldProblem[], max = MAX_REPORTED_PROBLEMS): FieldProblem[] {
  if (problems.length <= max) return problems;
  return [...problems.slice(0, max), { field: 'body', message: `and ${problems.length - max} more problems` }];
}

export function createValidationPipe(): ValidationPipe {
  return new HooklineValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationError(capProblems(flattenValidationErrors(errors))),
  });
}

/**
 * Whether a PATCH body changes nothing: every field left out. A service's update refuses it
 * (400 naming body), so REST and gRPC, which call the same method, answer it alike.
 */
export function nothingToChange(patch: object): boolean {
  return Object.values(patch).every((v) => v === undefined);
}
