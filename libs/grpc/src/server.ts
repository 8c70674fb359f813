// The admin API over gRPC (@grpc/grpc-js): the protos of libs/contracts, one table per
// proto service (binding.ts), the standard health service (grpc-health-check) and server
// reflection (@grpc/reflection). Each call: the bearer token from the `authorization`
// metadata through the HTTP edge's own AuthGuard.admit, the request as REST JSON, the
// table's service method, the answer back as the response message; errors as the HTTP
// edge's problems mapped to gRPC statuses (status.ts).
//
// The protos are parsed once, by protobufjs, and grpc-js's service definitions are made
// from that parse (serviceDefinition below does what @grpc/proto-loader does for a
// method: encode with fromObject, decode with toObject and the same options). Loading
// them through proto-loader as well held 1.8 MB of heap in the registry, twice what the
// parsed protos themselves hold (it keeps a descriptor object for every message).
import { Server, ServerCredentials, status as Code, type MethodDefinition, type ServerUnaryCall, type ServiceDefinition, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath, type ServingStatusMap } from 'grpc-health-check';
import * as protobuf from 'protobufjs';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_LIMITS, jsonLimitProblem, PROTO_ROOT } from '@hookline/contracts';
import { BODY_LIMIT_BYTES, isDatabaseUnavailable, ProblemFilter, ServiceUnavailableError, TooManyRequestsError, ValidationError, type AccessRule, type Principal } from '@hookline/http';
import type { Logger } from '@hookline/observability';
import { rpcContext, type RpcService } from './binding';
import { jsonToMessage, messageToJson, updateToJson } from './messages';
import { grpcErrorFor } from './status';

export const ADMIN_PROTO_DIR = 'hookline/admin/v1';

/** The admin protos, relative to PROTO_ROOT. */
export function adminProtoFiles(): string[] {
  return readdirSync(join(PROTO_ROOT, ADMIN_PROTO_DIR))
    .filter((f) => f.endsWith('.proto'))
    .sort()
    .map((f) => `${ADMIN_PROTO_DIR}/${f}`);
}

/** How requests are decoded (messages.ts expects exactly these): proto-loader's options of the same names. */
export const DECODE_OPTIONS: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: false, oneofs: true };

/** Field names as written in the protos (messages.ts maps them to JSON names). */
const PARSE_OPTIONS: protobuf.IParseOptions = { keepCase: true };

function protoRoot(files: string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(PROTO_ROOT, target));
  root.loadSync(files, PARSE_OPTIONS);
  root.resolveAll();
  return root;
}

export function loadAdminProtos(): protobuf.Root {
  return protoRoot(adminProtoFiles());
}

/** The admin services in the protos, by full name (hookline.admin.v1.TenantsService). */
export function adminServices(root: protobuf.Root): Map<string, protobuf.Service> {
  const services = new Map<string, protobuf.Service>();
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const child of ns.nestedArray) {
      if (child instanceof protobuf.Service) services.set(child.fullName.replace(/^\./, ''), child);
      else if (child instanceof protobuf.Namespace) walk(child);
    }
  };
  walk(root);
  return services;
}

/** What requestDeserialize hands the handler for bytes that are not its request message (undecodable). */
const UNDECODABLE = Symbol('hookline:undecodable');

/** Why a request could not be decoded, when it could not (the handler answers INVALID_ARGUMENT). */
export function undecodable(request: object): string | undefined {
  return (request as { [UNDECODABLE]?: string })[UNDECODABLE];
}

/**
 * The request message decoded, or a marker saying why it could not be: grpc-js answers a
 * deserializer that throws with INTERNAL, a server fault, where the bytes are the
 * caller's (REST answers malformed JSON with a 400).
 */
export function decodeRequest(type: protobuf.Type, bytes: Buffer): object {
  try {
    return type.toObject(type.decode(bytes), DECODE_OPTIONS);
  } catch (err) {
    return { [UNDECODABLE]: `the request is not a valid ${type.name} message (${(err as Error).message})` };
  }
}

/**
 * The largest request message taken: REST's body limit. grpc-js's default is 4 MB, so a
 * topic's example or a receiver's template REST refuses with 413 was accepted over gRPC.
 */
export const MAX_REQUEST_BYTES = BODY_LIMIT_BYTES;

/** grpc-js's definition of a service: each method's path and its messages' (de)serializers. */
export function serviceDefinition(service: protobuf.Service): ServiceDefinition {
  const definition: Record<string, MethodDefinition<object, object>> = {};
  const name = service.fullName.replace(/^\./, '');
  for (const method of service.methodsArray) {
    method.resolve();
    const request = method.resolvedRequestType as protobuf.Type;
    const response = method.resolvedResponseType as protobuf.Type;
    definition[method.name] = {
      path: `/${name}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: (value: object) => Buffer.from(request.encode(request.fromObject(value)).finish()),
      requestDeserialize: (bytes: Buffer) => decodeRequest(request, bytes),
      responseSerialize: (value: object) => Buffer.from(response.encode(response.fromObject(value)).finish()),
      responseDeserialize: (bytes: Buffer) => response.toObject(response.decode(bytes), DECODE_OPTIONS),
    };
  }
  return definition;
}

/** Every file of these parsed protos as a serialized FileDescriptorProto (what reflection answers with). */
export function fileDescriptors(...roots: protobuf.Root[]): Buffer[] {
  return roots.flatMap((root) => (root as protobuf.Root & { toDescriptor(syntax: string): { file: object[] } }).toDescriptor('proto3').file.map((f) => Buffer.from(FileDescriptorProto.encode(f).finish())));
}

interface Added {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

/** A stand-in for a Server that keeps what is added to it. */
function recorder(added: Added[]): Server {
  return { addService: (definition: ServiceDefinition, implementation: UntypedServiceImplementation) => added.push({ definition, implementation }) } as unknown as Server;
}

/**
 * Server reflection (v1 and v1alpha), indexed when first asked for. ReflectionService
 * decodes and indexes every file descriptor when it is made, twice (once per version):
 * 0.75 MB of heap the registry held for something grpcurl asks now and then. At start an
 * instance over no files gives the two service definitions; the first reflection call
 * makes the real one, and every call is handed to its handler for the same path.
 */
export function addLazyReflection(server: Server, files: () => Buffer[]): void {
  const shells: Added[] = [];
  new ReflectionService({}).addToServer(recorder(shells));
  let real: Added[] | undefined;
  const handlerFor = (path: string, name: string): ((call: unknown) => void) => {
    if (!real) {
      real = [];
      new ReflectionService({ all: { fileDescriptorProtos: files() } } as never).addToServer(recorder(real));
    }
    const found = real.find((a) => a.definition[name]?.path === path);
    if (!found) throw new Error(`reflection has no ${path}`);
    return found.implementation[name] as (call: unknown) => void;
  };
  for (const { definition } of shells) {
    const handlers: UntypedServiceImplementation = {};
    for (const [name, method] of Object.entries(definition)) handlers[name] = ((call: unknown) => handlerFor(method.path, name)(call)) as never;
    server.addService(definition, handlers);
  }
}

/** What the server needs of the HTTP edge's AuthGuard. */
export interface Admission {
  admit(token: string | undefined, rule: AccessRule): Promise<Principal>;
}

export interface AdminGrpcOptions {
  host: string;
  port: number;
  services: { binding: RpcService; instance: unknown }[];
  admission: Admission;
  logger: Logger;
  /** Whether the service is ready (the health service answers SERVING only then). */
  ready: () => Promise<boolean>;
  healthIntervalMs?: number;
}

function bearer(values: (string | Buffer)[]): string | undefined {
  const h = values[0];
  if (typeof h !== 'string') return undefined;
  return /^Bearer\s+(\S+)$/i.exec(h)?.[1];
}

export class AdminGrpcServer {
  private readonly server = new Server({ 'grpc.max_receive_message_length': MAX_REQUEST_BYTES });
  private readonly health: HealthImplementation;
  private timer?: NodeJS.Timeout;
  private readonly problems: ProblemFilter;
  readonly serviceNames: string[];

  constructor(private readonly opts: AdminGrpcOptions) {
    this.problems = new ProblemFilter(opts.logger);
    const root = loadAdminProtos();
    const services = adminServices(root);
    const byName = new Map(opts.services.map((s) => [s.binding.service, s]));
    this.serviceNames = [...services.keys()];
    for (const [name, service] of services) {
      const bound = byName.get(name);
      if (!bound) throw new Error(`${name} (libs/contracts/src/proto) has no table of methods in the registry`);
      const implementation: UntypedServiceImplementation = {};
      for (const method of service.methodsArray) {
        const entry = bound.binding.methods[method.name];
        if (!entry) throw new Error(`${name}.${method.name} has no entry in its table`);
        const requestType = method.resolvedRequestType as protobuf.Type;
        const responseType = method.resolvedResponseType as protobuf.Type;
        implementation[method.name] = (call: ServerUnaryCall<Record<string, unknown>, unknown>, callback: sendUnaryData<unknown>) => {
          void this.answer(`${name}/${method.name}`, method.name, call, callback, async (principal) => {
            const broken = undecodable(call.request);
            if (broken) throw new ValidationError([{ field: 'body', message: broken }]);
            const { json, mask } = method.name.startsWith('Update') ? updateToJson(requestType, call.request) : { json: messageToJson(requestType, call.request), mask: undefined };
            // The depth and width limits REST applies to every body as it is parsed (bootstrap.ts).
            const tooBig = jsonLimitProblem(json, JSON_LIMITS);
            if (tooBig) throw new ValidationError([tooBig]);
            const result = await entry.run(bound.instance, rpcContext(principal, method.name, json, mask));
            return jsonToMessage(responseType, result as Record<string, unknown> | undefined);
          }, entry.access());
        };
      }
      for (const extra of Object.keys(bound.binding.methods)) {
        if (!service.methods[extra]) throw new Error(`${name} has no RPC ${extra} (its table names it)`);
      }
      this.server.addService(serviceDefinition(service), implementation);
    }
    for (const s of opts.services) if (!this.serviceNames.includes(s.binding.service)) throw new Error(`${s.binding.service} is not in the protos`);
    const statuses: ServingStatusMap = { '': 'NOT_SERVING' };
    for (const n of this.serviceNames) statuses[n] = 'NOT_SERVING';
    this.health = new HealthImplementation(statuses);
    this.health.addToServer(this.server);
    // Reflection describes the health service too, so grpcurl can call it by name.
    addLazyReflection(this.server, () => fileDescriptors(root, protoRoot([healthProtoPath])));
  }

  private async answer(path: string, method: string, call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>, run: (p: Principal) => Promise<unknown>, rule: AccessRule): Promise<void> {
    try {
      const principal = await this.opts.admission.admit(bearer(call.metadata.get('authorization')), rule);
      callback(null, await run(principal));
    } catch (err) {
      let exception = err;
      if (isDatabaseUnavailable(err)) exception = new ServiceUnavailableError('the database is not reachable right now; try again shortly', 2);
      const problem = this.problems.toProblem(exception, { method: 'POST', path: `/${path}` } as never);
      const retry = exception instanceof TooManyRequestsError || exception instanceof ServiceUnavailableError ? exception.retryAfterSeconds : undefined;
      const e = grpcErrorFor(problem, method, retry);
      callback({ code: e.code, details: e.details, metadata: e.metadata, name: 'Error', message: e.details });
    }
  }

  /** Binds the port (0 picks one) and starts answering; the bound port. */
  async start(): Promise<number> {
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host}:${this.opts.port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    await this.refreshHealth();
    this.timer = setInterval(() => void this.refreshHealth(), this.opts.healthIntervalMs ?? 5000);
    this.timer.unref();
    this.opts.logger.info({ url: `${this.opts.host}:${port}`, services: this.serviceNames.length }, 'gRPC admin API listening');
    return port;
  }

  private async refreshHealth(): Promise<void> {
    const ready = await this.opts.ready().catch(() => false);
    const s = ready ? 'SERVING' : 'NOT_SERVING';
    this.health.setStatus('', s);
    for (const n of this.serviceNames) this.health.setStatus(n, s);
  }

  /** Stops taking calls, lets those in flight finish within graceMs, then cuts the rest. */
  async stop(graceMs: number): Promise<void> {
    clearInterval(this.timer);
    this.health.setStatus('', 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}

export { Code as GrpcCode };
