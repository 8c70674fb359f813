// One service's part of the OpenAPI document, read from the service's own Nest module at
// build time: routes, path and header parameters from @nestjs/swagger's explorer (the
// same metadata Nest routes by); bodies and query parameters from class-validator's
// metadata (class-validator-jsonschema: the rules the validation pipe applies become the
// schema's constraints); who may call each route from the guard's own decorators.
// The module is created in Nest's preview mode: the graph is read, nothing is
// instantiated, nothing connects to NATS or PostgreSQL.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import type { DynamicModule } from '@nestjs/common';
import { PARAMTYPES_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ValidationTypes, getMetadataStorage } from 'class-validator';
import { targetConstructorToSchema, validationMetadatasToSchemas } from 'class-validator-jsonschema';
// class-transformer keeps @Type() metadata in this storage; nested DTOs are found through it.
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { loadConfig, type ConfigSpec } from '@hookline/config';
import { ENTITY_ID_RE } from '@hookline/contracts';
import { accessRuleOf, type AccessRule } from '@hookline/http';
import type { JsonSchema } from './schema-refs';

export interface OperationPart {
  /** `registry:UnitsController.get`: where the handler is (matches the response types' keys). */
  key: string;
  method: string;
  path: string;
  access: AccessRule;
  /** The operation as @nestjs/swagger built it, before query parameters and responses are added. */
  operation: JsonSchema;
  /** The @Query() DTO's component name, if the handler takes one. */
  queryDto?: string;
  /** The @Body() DTO's component name, if the handler takes a class-validated body. */
  bodyDto?: string;
  statusCode: number;
}

export interface ServicePart {
  service: string;
  operations: OperationPart[];
  /** Request DTOs as JSON Schema, refs as #/components/schemas/<class name>. */
  schemas: Record<string, JsonSchema>;
}

/** Values that satisfy every service's config schema; preview mode never uses them. */
const PLACEHOLDER_ENV: Record<string, string> = {
  HOOKLINE_LISTEN_PORT: '0',
  HOOKLINE_OPERATOR_TOKEN: 'openapi-generation-placeholder-token',
  HOOKLINE_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** Whether class-validator skips a property's validators when it is null (IsOptional, or a ValidateIf that is false for null). */
function acceptsNull(meta: { type: string; constraints?: unknown[]; propertyName: string }): boolean {
  if (meta.type !== ValidationTypes.CONDITIONAL_VALIDATION) return false;
  const condition = meta.constraints?.[0];
  if (typeof condition !== 'function') return false;
  try {
    return !condition({ [meta.propertyName]: null }, null);
  } catch {
    // The condition reads other fields of the object: with them absent, validation is skipped.
    return true;
  }
}

/**
 * Whether a ValidateIf depends on the object's other fields (it skips even a present
 * value): its rules then hold only in some settings (oauth2's tokenUrl), which JSON Schema
 * here does not say; the property takes anything, its rules kept in x-hookline-conditional.
 */
function dependsOnOtherFields(meta: Meta): boolean {
  if (meta.type !== ValidationTypes.CONDITIONAL_VALIDATION) return false;
  const condition = meta.constraints?.[0];
  if (typeof condition !== 'function') return false;
  try {
    return !condition({ [meta.propertyName]: 'x' }, 'x');
  } catch {
    return true;
  }
}

function withNull(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string') {
    const out: JsonSchema = { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(schema.enum)) out.enum = [...schema.enum, null];
    // "not null" comes from @IsDefined-like markers class-validator-jsonschema adds to nested objects.
    if (out.not && out.not.type === 'null') delete out.not;
    return out;
  }
  if (schema.$ref) {
    const { $ref, not: _not, type: _type, ...rest } = schema;
    return { ...rest, anyOf: [{ $ref }, { type: 'null' }] };
  }
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s: JsonSchema) => s.type === 'null')) return { ...schema, anyOf: [...schema.anyOf, { type: 'null' }] };
  return schema;
}

const DESIGN_TYPES = new Map<unknown, JsonSchema>([
  [String, { type: 'string' }],
  [Number, { type: 'number' }],
  [Boolean, { type: 'boolean' }],
  [Array, { type: 'array' }],
]);

/**
 * Converters for the repository's own validators (their ValidateBy/registerDecorator
 * names). Any other custom validator gets its property's design type, and nothing for
 * an object or union (class-validator-jsonschema would refer to a schema named Object).
 */
const CUSTOM_CONVERTERS: Record<string, unknown> = {
  isTimestamp: { type: 'string', description: 'an ISO 8601 date or date-time, such as 2026-01-31 or 2026-01-31T12:00:00Z' },
  isUnitList: {
    anyOf: [{ const: '*', description: 'the whole tenant' }, { type: 'array', maxItems: 200, items: { type: 'string', pattern: ENTITY_ID_RE.source } }],
  },
  isTopicPatterns: {
    anyOf: [{ const: '*' }, { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', description: 'a topic pattern such as Accounts.* or Visits.>' } }],
  },
  isHeaderMap: { type: 'object', maxProperties: 20, additionalProperties: { type: 'string', maxLength: 8192 }, description: 'header names and values (values: tab, printable ASCII or Latin-1; no line breaks or other control characters)' },
  isParameterName: { type: 'string', description: 'a parameter name such as "id", or "id=client_" to send id=client_1' },
  [ValidationTypes.CUSTOM_VALIDATION]: (meta: { target: Function; propertyName: string }) =>
    DESIGN_TYPES.get(Reflect.getMetadata('design:type', meta.target.prototype, meta.propertyName)) ?? {},
};

const SCHEMA_OPTIONS = {
  refPointerPrefix: '#/components/schemas/',
  classTransformerMetadataStorage: defaultMetadataStorage,
  additionalConverters: CUSTOM_CONVERTERS as never,
};

type Meta = { type: string; constraints?: unknown[]; propertyName: string };

/**
 * What the validation pipe adds to class-validator's own rules: properties whose
 * validators null skips accept null, and no DTO takes a property it does not declare
 * (whitelist + forbidNonWhitelisted).
 */
function finish(target: Function, schema: JsonSchema): JsonSchema {
  const metas = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false) as unknown as Meta[];
  for (const meta of metas) {
    if (acceptsNull(meta) && schema.properties?.[meta.propertyName]) schema.properties[meta.propertyName] = withNull(schema.properties[meta.propertyName]);
  }
  for (const meta of metas) {
    const property = schema.properties?.[meta.propertyName];
    if (dependsOnOtherFields(meta) && property && !property['x-hookline-conditional']) {
      schema.properties[meta.propertyName] = { description: 'checked against x-hookline-conditional only in some settings (see the other fields)', 'x-hookline-conditional': property };
    }
  }
  schema.additionalProperties = false;
  return schema;
}

/** The request DTOs of everything loaded so far, with class-validator's rules as constraints. */
export function requestSchemas(): Record<string, JsonSchema> {
  const schemas = validationMetadatasToSchemas(SCHEMA_OPTIONS) as Record<string, JsonSchema>;
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, unknown> };
  for (const target of storage.validationMetadatas.keys()) if (schemas[target.name]) finish(target, schemas[target.name]);
  return schemas;
}

/** A DTO that only inherits its rules (`class ListTopicsQuery extends TenantListQueryDto {}`) has no entry of its own. */
function schemaOfClass(schemas: Record<string, JsonSchema>, cls: Function): JsonSchema | undefined {
  if (schemas[cls.name]) return schemas[cls.name];
  const schema = targetConstructorToSchema(cls, SCHEMA_OPTIONS) as JsonSchema;
  if (!schema.properties || Object.keys(schema.properties).length === 0) return undefined;
  schemas[cls.name] = finish(cls, schema);
  return schemas[cls.name];
}

interface RouteArg {
  index: number;
  data?: unknown;
}

/** The class a handler's @Query() or @Body() (without a property name) is typed as. */
function argumentClass(cls: Function, method: string, kind: RouteParamtypes): Function | undefined {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, cls, method) ?? {}) as Record<string, RouteArg>;
  const types = (Reflect.getMetadata(PARAMTYPES_METADATA, cls.prototype, method) ?? []) as Function[];
  for (const [k, arg] of Object.entries(args)) {
    if (k.split(':')[0] !== String(kind) || arg.data !== undefined) continue;
    const type = types[arg.index];
    if (type && type !== Object && type !== String) return type;
  }
  return undefined;
}

/** Reads one service's HTTP API (see the file comment). */
export async function describeService<C>(service: string, spec: ConfigSpec<C>, moduleFor: (config: Readonly<C>) => DynamicModule): Promise<ServicePart> {
  const config = loadConfig(spec, PLACEHOLDER_ENV);
  const app = await NestFactory.create(moduleFor(config), { preview: true, logger: false, abortOnError: false });
  try {
    const handlers = new Map<string, { cls: Function; method: string }>();
    for (const module of app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const cls = wrapper.metatype as Function;
        for (const method of Object.getOwnPropertyNames(cls.prototype)) {
          const key = `${cls.name}.${method}`;
          if (handlers.has(key) && handlers.get(key)?.cls !== cls) throw new Error(`${service}: two controllers are named ${cls.name}`);
          handlers.set(key, { cls, method });
        }
      }
    }
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().setOpenAPIVersion('3.1.0').build(), {
      operationIdFactory: (controller, method) => `${controller}.${method}`,
      autoTagControllers: false,
    });
    const schemas = requestSchemas();
    const operations: OperationPart[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of HTTP_METHODS) {
        const operation = (item as Record<string, JsonSchema | undefined>)[method];
        if (!operation) continue;
        const handler = handlers.get(operation.operationId);
        if (!handler) throw new Error(`${service}: no handler for ${operation.operationId}`);
        const queryClass = argumentClass(handler.cls, handler.method, RouteParamtypes.QUERY);
        const bodyClass = argumentClass(handler.cls, handler.method, RouteParamtypes.BODY);
        if (queryClass && !schemaOfClass(schemas, queryClass)) throw new Error(`${service}: ${operation.operationId} takes @Query() ${queryClass.name}, which has no validators`);
        if (bodyClass) schemaOfClass(schemas, bodyClass);
        const statuses = Object.keys(operation.responses ?? {}).map(Number);
        operations.push({
          key: `${service}:${operation.operationId}`,
          method,
          path,
          access: accessRuleOf(handler.cls.prototype[handler.method], handler.cls),
          operation,
          queryDto: queryClass?.name,
          bodyDto: bodyClass && schemas[bodyClass.name] ? bodyClass.name : undefined,
          statusCode: statuses[0] ?? 200,
        });
      }
    }
    return { service, operations, schemas };
  } finally {
    await app.close();
  }
}

/** In the generator's child process: writes the service's part to a file (stdout is left alone: libraries may print on it). */
export function writeServicePart<C>(service: string, spec: ConfigSpec<C>, moduleFor: (config: Readonly<C>) => DynamicModule, out: string): void {
  describeService(service, spec, moduleFor).then(
    (part) => {
      writeFileSync(out, JSON.stringify(part));
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${service}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
