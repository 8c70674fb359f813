// Validation for the "units" shape shared by grants and users: "*" (the whole tenant)
// or a list of unit ids.
import { registerDecorator, ValidationOptions } from 'class-validator';
import { ENTITY_ID_RE } from '@hookline/contracts';

export function isUnitList(value: unknown, max = 200): boolean {
  return value === '*' || (Array.isArray(value) && value.length <= max && value.every((u) => typeof u === 'string' && ENTITY_ID_RE.test(u)));
}

export function IsUnitList(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isUnitList',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be "*" (the whole tenant) or a list of at most 200 unit ids`, ...options },
      validator: { validate: (v: unknown) => isUnitList(v) },
    });
}
