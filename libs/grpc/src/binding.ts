// How a service's gRPC methods reach the same service methods REST calls: one table per
// proto service, one entry per RPC, saying who may call it (the REST handler's own rule,
// so the grant a route needs is written once) and which service method answers it with
// which REST DTO validating its input.
import type { Type } from '@nestjs/common';
import { putOwn, TENANT_ID_RE } from '@hookline/contracts';
import { accessRuleOf, createValidationPipe, findUnstorable, ValidationError, type AccessRule, type Principal } from '@hookline/http';

type Json = Record<string, unknown>;

export interface RpcContext {
  principal: Principal;
  /** The RPC's name, e.g. CreateUnit. */
  method: string;
  /** The request as REST JSON (messages.ts). For Update* requests: the update_mask's fields. */
  json: Json;
  /** The request (less the named fields, which REST takes from the path or query) validated as the REST body DTO. */
  body<T extends object>(cls: Type<T>, omit?: string[]): Promise<T>;
  /** The request validated as the REST query DTO. */
  query<T extends object>(cls: Type<T>, omit?: string[]): Promise<T>;
  /** A field REST takes from the path (an id): required. */
  field(name: string): string;
  /** The optional tenant (REST: ?tenant=), checked like the query DTOs check it. */
  tenant(): string | undefined;
}

export interface RpcMethod<S> {
  access: () => AccessRule;
  run(service: S, ctx: RpcContext): Promise<unknown>;
}

export interface RpcService<S = any> {
  /** The fully qualified proto service, e.g. hookline.admin.v1.UnitsService. */
  service: string;
  /** The providers whose methods answer (the same ones the REST controller calls), from the service's container. */
  provide(get: <T>(type: Type<T>) => T): S;
  methods: Record<string, RpcMethod<S>>;
}

/** The access rule of a REST handler: what its @Requires / @OperatorOnly / @Authenticated say. */
export function sameAccessAs<C>(controller: Type<C>, handler: keyof C & string): () => AccessRule {
  let rule: AccessRule | undefined;
  return () => {
    const fn = (controller.prototype as Record<string, Function>)[handler];
    if (typeof fn !== 'function') throw new Error(`${controller.name}.${handler} is not a handler`);
    rule ??= accessRuleOf(fn, controller);
    return rule;
  };
}

const pipe = createValidationPipe();

function without(json: Json, omit: string[]): Json {
  const out: Json = {};
  // Defined, not assigned: a key named __proto__ (an update_mask path) stays a key, which validation names.
  for (const [k, v] of Object.entries(json)) if (!omit.includes(k)) putOwn(out, k, v);
  return out;
}

/** `mask`: an Update request's update_mask (JSON names): the body is only those fields. */
export function rpcContext(principal: Principal, method: string, json: Json, mask?: string[]): RpcContext {
  const validate = async <T>(cls: Type<T>, type: 'body' | 'query', omit: string[]): Promise<T> => {
    let input = without(json, omit);
    if (mask && type === 'body') input = Object.fromEntries(Object.entries(input).filter(([k]) => mask.includes(k)));
    return (await pipe.transform(input, { type, metatype: cls, data: undefined })) as T;
  };
  return {
    principal,
    method,
    json,
    body: (cls, omit = []) => validate(cls, 'body', omit),
    query: (cls, omit = []) => validate(cls, 'query', omit),
    field(name) {
      const v = json[name];
      if (typeof v !== 'string' || v === '') throw new ValidationError([{ field: name, message: `${name} is required` }]);
      if (findUnstorable(v, name)) throw new ValidationError([{ field: name, message: `${name} must be valid Unicode text without the NUL character (U+0000)` }]);
      return v;
    },
    tenant() {
      const v = json.tenant;
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string' || !TENANT_ID_RE.test(v)) throw new ValidationError([{ field: 'tenant', message: 'tenant must be lowercase letters, digits and dashes' }]);
      return v;
    },
  };
}
