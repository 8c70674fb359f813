import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsDefined, IsIn, IsOptional, registerDecorator } from 'class-validator';
import { ACTIONS, isTopicPattern } from '@hookline/auth';
import { IsUnitList } from '../../unit-list.validator';

function IsTopicPatterns() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isTopicPatterns',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be "*" or a list of at most 100 topic patterns such as Accounts.* or Visits.>` },
      validator: { validate: (v: unknown) => v === '*' || (Array.isArray(v) && v.length > 0 && v.length <= 100 && v.every((t) => typeof t === 'string' && isTopicPattern(t))) },
    });
}

export class GrantDto {
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(ACTIONS.length)
  @IsIn(ACTIONS, { each: true, message: `each action must be one of ${ACTIONS.join(', ')}` })
  actions: string[];

  /** "*" for the whole tenant, or unit ids (each covering the units below it). */
  @IsDefined()
  @IsUnitList()
  units: '*' | string[];

  /** "*" (the default) or topic patterns; only matters for topic-scoped actions. */
  @IsOptional()
  @IsTopicPatterns()
  topics?: '*' | string[];
}
