// Messages <-> the REST JSON. The admin protos mirror the REST bodies and answers field
// for field (libs/contracts/src/proto/hookline/admin/v1/README.md), so one generic walk over
// the message descriptors converts both ways: field names to JSON names (json_name, else
// lowerCamelCase), google.protobuf.Value/Struct to plain JSON, unset optional fields to
// absent (REST's null in answers). Handlers then validate the JSON with the REST DTOs.
import * as protobuf from 'protobufjs';
import { putOwn } from '@hookline/contracts';

type Json = Record<string, unknown>;

/** What a handler receives (field names as in the protos, oneofs named; server.ts's DECODE_OPTIONS): a Value is {stringValue: 'x', kind: 'stringValue'}. */
type Decoded = Record<string, any>;

const VALUE = '.google.protobuf.Value';
const STRUCT = '.google.protobuf.Struct';
const LIST = '.google.protobuf.ListValue';
const EMPTY = '.google.protobuf.Empty';
const FIELD_MASK = '.google.protobuf.FieldMask';

export function jsonName(field: protobuf.Field): string {
  const explicit = field.options?.json_name as string | undefined;
  return explicit ?? field.name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function typeName(field: protobuf.Field): string | undefined {
  field.resolve();
  return field.resolvedType ? `.${field.resolvedType.fullName.replace(/^\./, '')}` : undefined;
}

// ---- proto -> JSON (requests) ----

export function valueToJson(v: Decoded | null | undefined): unknown {
  if (v === null || v === undefined) return null;
  if ('nullValue' in v && v.nullValue !== undefined) return null;
  if (v.numberValue !== undefined) return v.numberValue;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.structValue !== undefined) return structToJson(v.structValue);
  if (v.listValue !== undefined) return (v.listValue.values ?? []).map(valueToJson);
  return null;
}

export function structToJson(s: Decoded | null | undefined): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries<Decoded>(s?.fields ?? {})) putOwn(out, k, valueToJson(v));
  return out;
}

function fieldToJson(field: protobuf.Field, value: unknown): unknown {
  const t = typeName(field);
  const one = (v: unknown): unknown => {
    if (t === VALUE) return valueToJson(v as Decoded);
    if (t === STRUCT) return structToJson(v as Decoded);
    if (t === LIST) return ((v as Decoded).values ?? []).map(valueToJson);
    if (field.resolvedType instanceof protobuf.Type) return messageToJson(field.resolvedType, v as Decoded);
    if (field.resolvedType instanceof protobuf.Enum) return v;
    return v;
  };
  if (field.map) return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, one(v)]));
  if (field.repeated) return (value as unknown[]).map(one);
  return one(value);
}

/** A decoded message as REST JSON (fields that are not set are left out; update_mask is not data). */
export function messageToJson(type: protobuf.Type, message: Decoded): Json {
  const out: Json = {};
  for (const field of type.fieldsArray) {
    if (typeName(field) === FIELD_MASK) continue;
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    if (field.repeated && Array.isArray(value) && value.length === 0) continue;
    out[jsonName(field)] = fieldToJson(field, value);
  }
  return out;
}

/**
 * An Update request: its JSON (every field that is set, and the update_mask's fields
 * that are not, as null: cleared, as in a PATCH) and the mask as JSON names. The body
 * handed to validation is then only the masked fields (binding.ts); without a mask,
 * every field that is set.
 */
export function updateToJson(type: protobuf.Type, message: Decoded): { json: Json; mask?: string[] } {
  const json = messageToJson(type, message);
  const maskField = type.fieldsArray.find((f) => typeName(f) === FIELD_MASK);
  const paths: string[] = maskField ? ((message[maskField.name] as { paths?: string[] } | undefined)?.paths ?? []) : [];
  if (paths.length === 0) return { json };
  const mask: string[] = [];
  for (const path of paths) {
    // Own fields only: `fields` is a plain object, where __proto__ or constructor found
    // Object's own (a TypeError, answered INTERNAL) and toString an inherited function.
    const field = (Object.hasOwn(type.fields, path) ? type.fields[path] : undefined) ?? type.fieldsArray.find((f) => jsonName(f) === path);
    // Not a field of this request: handed on as is, so validation names it ("should not exist").
    const name = field ? jsonName(field) : path;
    mask.push(name);
    if (!Object.hasOwn(json, name)) putOwn(json, name, null);
  }
  return { json, mask };
}

// ---- JSON -> proto (answers) ----

export function jsonToValue(v: unknown): Decoded {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(jsonToValue) } };
  return { structValue: jsonToStruct(v as Json) };
}

export function jsonToStruct(o: Json): Decoded {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, jsonToValue(v)])) };
}

function fieldFromJson(field: protobuf.Field, value: unknown): unknown {
  const t = typeName(field);
  const one = (v: unknown): unknown => {
    if (t === VALUE) return jsonToValue(v);
    if (t === STRUCT) return jsonToStruct(v as Json);
    if (t === LIST) return { values: (v as unknown[]).map(jsonToValue) };
    if (field.resolvedType instanceof protobuf.Type) return jsonToMessage(field.resolvedType, v as Json);
    return v;
  };
  if (field.map) return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, one(v)]));
  if (field.repeated) return (value as unknown[]).map(one);
  return one(value);
}

/** A service's answer (REST JSON) as the message proto-loader serialises: null and undefined are unset. */
export function jsonToMessage(type: protobuf.Type, json: Json | null | undefined): Decoded {
  const out: Decoded = {};
  if (!json || `.${type.fullName.replace(/^\./, '')}` === EMPTY) return out;
  for (const field of type.fieldsArray) {
    const value = json[jsonName(field)];
    if (value === undefined || value === null) continue;
    // A "*" where a list of ids also fits is a Value; elsewhere the shapes agree.
    out[field.name] = fieldFromJson(field, value);
  }
  return out;
}

/** Names of the JSON fields a message type has no field for: what a conversion would drop. */
export function unmappedFields(type: protobuf.Type, json: Json): string[] {
  const known = new Set(type.fieldsArray.map(jsonName));
  return Object.keys(json).filter((k) => !known.has(k) && json[k] !== undefined);
}
