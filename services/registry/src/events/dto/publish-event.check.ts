// POST /v1/events' body checked by plain code: the same rules, field names and messages
// as PublishEventDto under the validation pipe (publish-event.check.spec.ts compares the
// two on a table of bodies), without class-transformer copying the body and
// class-validator walking its metadata on every event: the ingest path's hottest step.
import { TENANT_ID_RE, TOPIC_RE } from '@hookline/contracts';
import { capProblems, findPrototypeKey, findUnstorable, type FieldProblem } from '@hookline/http';
import type { EventInput } from '../events.service';

export type CheckedEvent = { ok: true; value: EventInput } | { ok: false; problems: FieldProblem[] };

const TOP = ['tenant', 'topic', 'object', 'data'];
const OBJECT = ['type', 'id', 'unit'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// class-validator checks a property's decorators from the last one up and reports the
// first that fails (stopAtFirstError): @IsString @IsNotEmpty @MaxLength(n) is checked
// MaxLength first, which already refuses anything but a short enough string.

/** @IsString @IsNotEmpty @MaxLength(max). */
function shortText(field: string, v: unknown, max: number): string | undefined {
  if (typeof v !== 'string' || v.length > max) return `${field} must be shorter than or equal to ${max} characters`;
  if (v === '') return `${field} should not be empty`;
  return undefined;
}

export function checkPublishEvent(body: unknown): CheckedEvent {
  const unstorable = findUnstorable(body, '');
  if (unstorable) return { ok: false, problems: [{ field: unstorable, message: `${unstorable} must be valid Unicode text without the NUL character (U+0000)` }] };
  if (!isObject(body)) return { ok: false, problems: [{ field: 'body', message: 'the body must be a JSON object' }] };
  // Prototype-named keys are refused outside the free-form data, as the pipe does.
  const { data: _data, ...structured } = body;
  const proto = findPrototypeKey(structured);
  if (proto) return { ok: false, problems: [{ field: proto, message: `property ${proto.split('.').pop()} should not exist` }] };

  const problems: FieldProblem[] = [];
  for (const k of Object.keys(body)) if (!TOP.includes(k)) problems.push({ field: k, message: `property ${k} should not exist` });
  const { tenant, topic, object, data } = body;
  // @IsOptional @IsString @Matches: Matches first.
  if (tenant !== undefined && tenant !== null && (typeof tenant !== 'string' || !TENANT_ID_RE.test(tenant))) {
    problems.push({ field: 'tenant', message: 'tenant must be lowercase letters, digits and dashes' });
  }
  // @IsDefined (always first) @IsString @Matches.
  if (topic === undefined || topic === null) problems.push({ field: 'topic', message: 'topic should not be null or undefined' });
  else if (typeof topic !== 'string' || !TOPIC_RE.test(topic)) problems.push({ field: 'topic', message: 'topic must be dot-separated words of letters, digits, "_" or "-" (for example Accounts.Update)' });
  if (object === undefined || object === null) problems.push({ field: 'object', message: 'object should not be null or undefined' });
  else if (!isObject(object)) problems.push({ field: 'object', message: 'object must be an object' });
  else {
    for (const k of Object.keys(object)) if (!OBJECT.includes(k)) problems.push({ field: `object.${k}`, message: `property ${k} should not exist` });
    const type = shortText('type', object.type, 128);
    if (type) problems.push({ field: 'object.type', message: type });
    const id = shortText('id', object.id, 256);
    if (id) problems.push({ field: 'object.id', message: id });
    if (object.unit !== undefined && object.unit !== null) {
      const unit = shortText('unit', object.unit, 128);
      if (unit) problems.push({ field: 'object.unit', message: unit });
    }
  }
  if (data !== undefined && data !== null && !isObject(data)) problems.push({ field: 'data', message: 'data must be an object' });
  if (problems.length > 0) return { ok: false, problems: capProblems(problems) };

  const o = object as Record<string, unknown>;
  return {
    ok: true,
    value: {
      ...(typeof tenant === 'string' ? { tenant } : {}),
      topic: topic as string,
      object: { type: o.type as string, id: o.id as string, ...(typeof o.unit === 'string' ? { unit: o.unit } : {}) },
      ...(isObject(data) ? { data } : {}),
    },
  };
}
